import { Card } from "@codegouvfr/react-dsfr/Card";
import { Input } from "@codegouvfr/react-dsfr/Input";
import { CallOut } from "@codegouvfr/react-dsfr/CallOut";
import { useMemo, useState } from "react";
import { usePortal } from "../PortalContext";
import { frenchTypography } from "../format";
import { useTitle } from "../useTitle";

// Lower case without accents, for a search that forgives « e » for « é ».
const fold = (s: string) =>
  s
    .normalize("NFD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase();

export function HomePage() {
  useTitle("Démarches en ligne");
  const portal = usePortal();
  const [query, setQuery] = useState("");
  const procedures = portal?.procedures ?? [];
  const matches = useMemo(() => {
    const words = fold(query).split(/\s+/).filter(Boolean);
    return procedures.filter((p) => {
      const text = fold([p.title, p.category, p.description, ...p.keywords].join(" "));
      return words.every((w) => text.includes(w));
    });
  }, [procedures, query]);
  const categories = Array.from(new Set(matches.map((p) => p.category)));
  return (
    <>
      <h1>Vos démarches en ligne</h1>
      <p className="fr-text--lead">
        Signalez un problème, posez une question ou faites une demande à {portal?.town || "la mairie"}, sans créer de
        compte. Une référence vous permet ensuite de suivre votre demande.
      </p>
      <div role="search">
        <Input
          label="Rechercher une démarche"
          hintText="Par exemple : nid-de-poule, acte de naissance, encombrants"
          nativeInputProps={{
            type: "search",
            value: query,
            onChange: (e) => setQuery(e.target.value),
            "aria-controls": "resultats-demarches",
          }}
        />
      </div>
      <p id="resultats-demarches" role="status" className="fr-sr-only">
        {matches.length === 0
          ? "Aucune démarche ne correspond."
          : `${matches.length} démarche${matches.length > 1 ? "s" : ""} trouvée${matches.length > 1 ? "s" : ""}.`}
      </p>
      {portal && matches.length === 0 && <p>Aucune démarche ne correspond à cette recherche.</p>}
      {categories.map((category) => (
        <section key={category} className="fr-mb-6w">
          <h2>{category || "Autres démarches"}</h2>
          <ul className="fr-grid-row fr-grid-row--gutters" style={{ listStyle: "none", paddingLeft: 0 }}>
            {matches
              .filter((p) => p.category === category)
              .map((p) => (
                <li key={p.slug} className="fr-col-12 fr-col-md-6 fr-col-lg-4">
                  <Card
                    title={p.title}
                    titleAs="h3"
                    desc={frenchTypography(p.description.split("\n\n")[0])}
                    linkProps={{ to: `/demarches/${p.slug}` }}
                    enlargeLink
                  />
                </li>
              ))}
          </ul>
        </section>
      ))}
      <CallOut title="Vous avez déjà fait une demande ?" buttonProps={{ linkProps: { to: "/suivi" }, children: "Suivre ma demande" }}>
        Avec sa référence et l’adresse électronique ou le téléphone donnés lors du dépôt, suivez son traitement, répondez
        au service et, une fois la demande traitée, donnez votre avis.
      </CallOut>
      {portal && (portal.contact.phone || portal.contact.email || portal.contact.address) && (
        <section className="fr-mt-6w">
          <h2>Nous contacter</h2>
          <address>
            {portal.town}
            {portal.contact.address && (
              <>
                <br />
                {portal.contact.address}
              </>
            )}
            {portal.contact.phone && (
              <>
                <br />
                Téléphone{"\u202f"}: <a href={`tel:${portal.contact.phone.replace(/\s/g, "")}`}>{portal.contact.phone}</a>
              </>
            )}
            {portal.contact.email && (
              <>
                <br />
                Courriel{"\u202f"}: <a href={`mailto:${portal.contact.email}`}>{portal.contact.email}</a>
              </>
            )}
          </address>
        </section>
      )}
    </>
  );
}
