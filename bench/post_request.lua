-- POST /api/v1/requests: a valid creation whose description, contact and
-- position vary from one request to the next (no two bodies are the same).
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(dir .. "report.lua")

local places = {
  "rue de la République", "avenue Jean-Jaurès", "place de la Mairie", "boulevard Victor-Hugo",
  "chemin des Écoliers", "impasse des Lilas", "quai Saint-Vincent", "rue Pasteur",
}
local problems = {
  "Nid-de-poule dangereux", "Lampadaire éteint", "Dépôt sauvage d’ordures", "Trottoir dégradé",
  "Panneau tombé", "Branche sur la chaussée", "Tag sur un mur", "Fuite d’eau",
}
local headers = { ["Content-Type"] = "application/json",
                  ["Authorization"] = os.getenv("GUICHET_BENCH_AUTH") }
local sent = 0

function init(args)
  math.randomseed((thread_id or 0) * 7919 + os.time())
end

function request()
  sent = sent + 1
  local place = places[math.random(#places)]
  local number = math.random(1, 150)
  local body = string.format(
    '{"service":"signalement-voirie",' ..
    '"description":"%s au %d %s (banc d’essai, client %d, envoi %d).",' ..
    '"contact":{"email":"bench-%d-%d@example.org"},' ..
    '"location":{"lat":%.5f,"lon":%.5f,"address":"%d %s"}}',
    problems[math.random(#problems)], number, place, thread_id or 0, sent,
    thread_id or 0, sent,
    45.70 + math.random() * 0.1, 4.80 + math.random() * 0.1, number, place)
  return wrk.format("POST", "/api/v1/requests", headers, body)
end
