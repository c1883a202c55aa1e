import { Alert } from "@codegouvfr/react-dsfr/Alert";
import { useTitle } from "../useTitle";

// The agents' back-office needs identity (accounts, sessions, second
// factor), which is being built separately: until it lands this page says
// so, and no login is pretended.
export function AgentsPage() {
  useTitle("Espace agents");
  return (
    <>
      <h1>Espace agents</h1>
      <Alert
        as="h2"
        severity="info"
        title="Connexion pas encore disponible"
        description="L’espace des agents (boîte de réception, historique des demandes, réponses) ouvrira avec l’identification des agents et leur second facteur. En attendant, les agents passent par l’API sur le poste de la mairie."
      />
    </>
  );
}
