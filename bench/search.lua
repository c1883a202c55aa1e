-- GET /api/v1/search?q=…: full-text search with French words as agents type
-- them (inflected, often without accents), two words per query, drawn from
-- the vocabulary of the bulk seed (src/app/demo.cpp).
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(dir .. "report.lua")

local words = {
  "lampadaire", "lampadaires", "eteint", "nid-de-poule", "trottoir", "degrade", "depots",
  "ordures", "panneau", "arbre", "graffitis", "fuite", "chaussee", "ecole", "pietons",
  "poubelles", "bruit", "voisinage", "stationnement", "genant", "eclairage", "intervention",
  "republique", "pasteur", "lilas", "mairie", "enfants", "dangereux", "rapidement",
}

function init(args)
  math.randomseed((thread_id or 0) * 104729 + os.time())
end

function request()
  local a = words[math.random(#words)]
  local b = words[math.random(#words)]
  return wrk.format("GET", "/api/v1/search?limit=20&q=" .. a .. "+" .. b)
end
