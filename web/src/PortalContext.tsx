import { createContext, useContext, useEffect, useState } from "react";
import { api, type Portal } from "./api/client";

// The town hall's name, contact and map settings, read once from /api/v1/portal.
const PortalContext = createContext<Portal | null>(null);

export function PortalProvider({ children }: { children: React.ReactNode }) {
  const [portal, setPortal] = useState<Portal | null>(null);
  useEffect(() => {
    api.portal().then(setPortal, () => setPortal(null));
  }, []);
  return <PortalContext.Provider value={portal}>{children}</PortalContext.Provider>;
}

export const usePortal = () => useContext(PortalContext);
