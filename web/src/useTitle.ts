import { useEffect } from "react";

// Every page has its own title (RGAA 8.6), announced on navigation.
export function useTitle(title: string) {
  useEffect(() => {
    document.title = `${title} — Guichet`;
  }, [title]);
}
