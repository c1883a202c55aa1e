// The place of a report: a Leaflet map to point at (click, or keyboard: the
// arrows move the map, the button drops the marker at its centre) and the
// address as text. Without a tile server (none configured, or tiles that
// fail to load) the map gives way to the plain address field and the
// device's position.
import { useEffect, useRef, useState } from "react";
import L from "leaflet";
import { Button } from "@codegouvfr/react-dsfr/Button";
import { Input } from "@codegouvfr/react-dsfr/Input";
import type { Portal } from "../api/client";

export type Place = { lat?: number; lon?: number; address: string };

type Props = {
  map: Portal["map"] | undefined;
  value: Place;
  onChange: (p: Place) => void;
  error?: string;
};

const coord = (n: number) => new Intl.NumberFormat("fr-FR", { maximumFractionDigits: 5 }).format(n);

export function MapPicker({ map: settings, value, onChange, error }: Props) {
  const container = useRef<HTMLDivElement>(null);
  const mapRef = useRef<L.Map | null>(null);
  const markerRef = useRef<L.CircleMarker | null>(null);
  const latest = useRef(value);
  latest.current = value;
  const [degraded, setDegraded] = useState(false);
  const [locating, setLocating] = useState(false);
  const tiles = settings?.tile_url ?? null;

  useEffect(() => {
    if (!settings || !tiles || degraded || !container.current) return;
    const map = L.map(container.current, { keyboard: true, zoomControl: true, attributionControl: true }).setView(
      [settings.center.lat, settings.center.lon],
      settings.zoom,
    );
    mapRef.current = map;
    let loaded = 0;
    let failed = 0;
    const layer = L.tileLayer(tiles, { attribution: settings.attribution, maxZoom: 19 });
    layer.on("tileload", () => loaded++);
    // Several failures and no success: no tile server is reachable.
    layer.on("tileerror", () => {
      failed++;
      if (failed >= 3 && loaded === 0) setDegraded(true);
    });
    layer.addTo(map);
    map.on("click", (e: L.LeafletMouseEvent) => {
      onChange({ ...latest.current, lat: e.latlng.lat, lon: e.latlng.lng });
    });
    return () => {
      map.remove();
      mapRef.current = null;
      markerRef.current = null;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [settings, tiles, degraded]);

  useEffect(() => {
    const map = mapRef.current;
    if (!map) return;
    if (value.lat === undefined || value.lon === undefined) {
      markerRef.current?.remove();
      markerRef.current = null;
      return;
    }
    const at: L.LatLngExpression = [value.lat, value.lon];
    if (markerRef.current) markerRef.current.setLatLng(at);
    else markerRef.current = L.circleMarker(at, { radius: 10, color: "#000091", weight: 3 }).addTo(map);
  }, [value.lat, value.lon]);

  const useCentre = () => {
    const c = mapRef.current?.getCenter();
    if (c) onChange({ ...value, lat: c.lat, lon: c.lng });
  };
  const useDevice = () => {
    if (!navigator.geolocation) return;
    setLocating(true);
    navigator.geolocation.getCurrentPosition(
      (pos) => {
        setLocating(false);
        onChange({ ...value, lat: pos.coords.latitude, lon: pos.coords.longitude });
        mapRef.current?.setView([pos.coords.latitude, pos.coords.longitude], 17);
      },
      () => setLocating(false),
      { enableHighAccuracy: true, timeout: 10000 },
    );
  };
  const showMap = !!tiles && !degraded;
  const hasPoint = value.lat !== undefined && value.lon !== undefined;

  return (
    <fieldset className="fr-fieldset" id="champ-location" tabIndex={-1} aria-describedby={error ? "lieu-erreur" : undefined}>
      <legend className="fr-fieldset__legend">
        Lieu concerné<span aria-hidden="true">{"\u00a0"}*</span>
      </legend>
      {error && (
        <p id="lieu-erreur" className="fr-error-text fr-ml-2w fr-mt-0 fr-mb-2w">
          {error}
        </p>
      )}
      <div className="fr-fieldset__element">
        {showMap ? (
          <>
            <p className="fr-hint-text" id="carte-aide">
              Cliquez sur la carte à l’endroit du problème. Au clavier{"\u202f"}: déplacez la carte avec les flèches,
              puis utilisez le bouton «{"\u00a0"}Placer le repère au centre de la carte{"\u00a0"}».
            </p>
            <div
              ref={container}
              className="guichet-map"
              role="application"
              aria-label="Carte : cliquez pour indiquer le lieu"
              aria-describedby="carte-aide"
              data-testid="carte"
            />
            <div className="fr-btns-group fr-btns-group--inline-md fr-mt-1w">
              <Button type="button" priority="secondary" size="small" onClick={useCentre}>
                Placer le repère au centre de la carte
              </Button>
            </div>
          </>
        ) : (
          <p className="fr-hint-text" id="carte-absente">
            La carte n’est pas disponible{"\u202f"}: indiquez l’adresse ci-dessous et, si vous êtes sur place, votre
            position.
          </p>
        )}
        {"geolocation" in navigator && (
          <Button type="button" priority="tertiary" size="small" iconId="fr-icon-map-pin-2-line" onClick={useDevice} disabled={locating}>
            {locating ? "Recherche de votre position…" : "Utiliser ma position actuelle"}
          </Button>
        )}
        <p role="status" className="fr-text--sm fr-mt-1w" data-testid="position">
          {hasPoint
            ? `Position retenue\u202f: latitude ${coord(value.lat!)}, longitude ${coord(value.lon!)}.`
            : "Aucune position retenue pour l’instant."}
        </p>
      </div>
      <div className="fr-fieldset__element">
        <Input
          label="Adresse ou repère"
          hintText="Par exemple : 12 rue de la République, devant l’école"
          nativeInputProps={{
            id: "champ-adresse",
            autoComplete: "street-address",
            value: value.address,
            maxLength: 500,
            onChange: (e) => onChange({ ...value, address: e.target.value }),
          }}
        />
      </div>
    </fieldset>
  );
}

