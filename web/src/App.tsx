import { Header } from "@codegouvfr/react-dsfr/Header";
import { Footer } from "@codegouvfr/react-dsfr/Footer";
import { SkipLinks } from "@codegouvfr/react-dsfr/SkipLinks";
import { Route, Routes, useLocation } from "react-router-dom";
import { useEffect, useRef } from "react";
import { PortalProvider, usePortal } from "./PortalContext";
import { HomePage } from "./pages/HomePage";
import { ProcedurePage } from "./pages/ProcedurePage";
import { TrackPage } from "./pages/TrackPage";
import { QualityPage } from "./pages/QualityPage";
import { AgentsPage } from "./pages/AgentsPage";
import { AccountPage, MailLinkPage } from "./pages/AccountPage";
import { NotFoundPage } from "./pages/NotFoundPage";

function Layout() {
  const portal = usePortal();
  const location = useLocation();
  const main = useRef<HTMLElement>(null);
  const first = useRef(true);
  // After a client-side navigation, focus moves to the new content so that
  // screen readers and keyboard users start from it (not on first load).
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    main.current?.focus();
  }, [location.pathname]);
  const town = portal?.town || "Votre mairie";
  const path = location.pathname;
  return (
    <>
      <SkipLinks
        links={[
          { anchor: "#contenu", label: "Contenu" },
          { anchor: "#navigation", label: "Menu" },
          { anchor: "#pied-de-page", label: "Pied de page" },
        ]}
      />
      <Header
        brandTop={<>{town}</>}
        homeLinkProps={{ to: "/", title: `Accueil — Guichet, ${town}` }}
        serviceTitle="Guichet"
        serviceTagline="Vos démarches et signalements en ligne"
        id="navigation"
        navigation={[
          { text: "Démarches", linkProps: { to: "/" }, isActive: path === "/" || path.startsWith("/demarches") },
          { text: "Suivre ma demande", linkProps: { to: "/suivi" }, isActive: path.startsWith("/suivi") },
          { text: "Qualité du service", linkProps: { to: "/qualite" }, isActive: path.startsWith("/qualite") },
          { text: "Mon compte", linkProps: { to: "/compte" }, isActive: path.startsWith("/compte") || path.startsWith("/connexion") },
          { text: "Espace agents", linkProps: { to: "/agents" }, isActive: path.startsWith("/agents") },
        ]}
      />
      <main id="contenu" tabIndex={-1} ref={main} className="fr-container fr-py-4w" style={{ outline: "none" }}>
        <Routes>
          <Route path="/" element={<HomePage />} />
          <Route path="/demarches/:slug" element={<ProcedurePage />} />
          <Route path="/suivi" element={<TrackPage />} />
          <Route path="/qualite" element={<QualityPage />} />
          <Route path="/agents/*" element={<AgentsPage />} />
          <Route path="/compte" element={<AccountPage />} />
          <Route path="/compte/verifier" element={<MailLinkPage kind="verify" />} />
          <Route path="/connexion/lien" element={<MailLinkPage kind="magic" />} />
          <Route path="*" element={<NotFoundPage />} />
        </Routes>
      </main>
      <Footer
        id="pied-de-page"
        brandTop={<>{town}</>}
        homeLinkProps={{ to: "/", title: `Accueil — Guichet, ${town}` }}
        accessibility="partially compliant"
        contentDescription={
          portal
            ? `${town}${portal.contact.address ? ` — ${portal.contact.address}` : ""}${
                portal.contact.phone ? ` — ${portal.contact.phone}` : ""
              }${portal.contact.email ? ` — ${portal.contact.email}` : ""}`
            : undefined
        }
        bottomItems={[{ text: "Qualité du service", linkProps: { to: "/qualite" } }]}
      />
    </>
  );
}

export function App() {
  return (
    <PortalProvider>
      <Layout />
    </PortalProvider>
  );
}
