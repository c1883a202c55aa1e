import { Link } from "react-router-dom";
import { useTitle } from "../useTitle";

export function NotFoundPage() {
  useTitle("Page introuvable");
  return (
    <>
      <h1>Page introuvable</h1>
      <p>Cette adresse ne correspond à aucune page du portail.</p>
      <p>
        <Link to="/">Revenir à la liste des démarches</Link>
      </p>
    </>
  );
}
