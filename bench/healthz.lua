-- GET /healthz: the server's floor (routing, HTTP, no database). wrk sends the
-- URL given on its command line; this script only adds the report line.
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(dir .. "report.lua")
