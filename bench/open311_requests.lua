-- GET /open311/v2/requests.json with a bbox of about 1.1 × 0.8 km drawn at
-- random inside the area the seeded requests cover (lat 45.70–45.80, lon
-- 4.80–4.90), a page of 50 as a client asks for: the spatial index answers,
-- whatever the table size.
-- Usage: wrk ... -s open311_requests.lua URL
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(dir .. "report.lua")

function init(args)
  math.randomseed((thread_id or 0) * 7919 + os.time())
end

function request()
  local lat = 45.70 + math.random() * 0.09
  local lon = 4.80 + math.random() * 0.09
  return wrk.format("GET", string.format(
    "/open311/v2/requests.json?bbox=%.5f,%.5f,%.5f,%.5f&page_size=50", lon, lat, lon + 0.01,
    lat + 0.01))
end
