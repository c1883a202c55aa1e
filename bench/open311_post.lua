-- POST /open311/v2/requests.xml: a street report as an Open311 client sends
-- it (form-encoded, api_key, attributes), different on every request.
-- Usage: wrk ... -s open311_post.lua URL -- API_KEY
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(dir .. "report.lua")

local key
local headers = { ["Content-Type"] = "application/x-www-form-urlencoded" }
local natures = { "nid_de_poule", "trottoir", "eclairage", "signalisation", "depot_sauvage" }
local sent = 0

function init(args)
  key = args[1] or error("open311_post.lua: pass an API key after --")
  math.randomseed((thread_id or 0) * 7919 + os.time())
end

function request()
  sent = sent + 1
  local body = string.format(
    "api_key=%s&service_code=signalement-voirie&lat=%.5f&long=%.5f" ..
    "&description=Signalement+Open311+%d-%d&attribute%%5Bnature%%5D=%s" ..
    "&attribute%%5Bdanger%%5D=false&email=open311-%d-%d%%40example.org",
    key, 45.70 + math.random() * 0.1, 4.80 + math.random() * 0.1, thread_id or 0, sent,
    natures[math.random(#natures)], thread_id or 0, sent)
  return wrk.format("POST", "/open311/v2/requests.xml", headers, body)
end
