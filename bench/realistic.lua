-- The realistic mix of bench/realistic.ts for wrk (bench/ingest.ts with BENCH_GENERATOR=wrk): request i of the mix,
-- for i = the first number given after "--", then the next, and so on (one wrk thread). Keep it in step with
-- realistic.ts: bench/ingest.ts sends a second of it to a recording server first and compares the requests.
local SITES = {}
for s = 0, 19 do SITES[s] = "site" .. s .. ".example" end

local UAS = {}
for i = 0, 999 do
  if i % 3 == 0 then
    UAS[i] = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/" .. (100 + i % 40) .. ".0." .. i .. ".0 Safari/537.36"
  elseif i % 3 == 1 then
    UAS[i] = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_" .. (i % 7) .. " like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17." .. (i % 5) .. " Mobile/15E148 Safari/604." .. i
  else
    UAS[i] = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_" .. (i % 8) .. "; rv:" .. (110 + i % 20) .. ".0) Gecko/20100101 Firefox/" .. (110 + i % 20) .. "." .. i
  end
end

local REFERRERS = { [0] = "https://www.google.com/", "https://news.ycombinator.com/", "https://t.co/x", "" }

-- request i: its body and headers (a visitor = an address and a User-Agent, for 4 requests in a row)
function realistic(i)
  local visitor = math.floor(i / 4)
  local site = SITES[visitor % 20]
  local body
  if i % 5 == 4 then
    body = '{"n":"Signup","u":"https://' .. site .. '/pricing","d":"' .. site .. '","p":{"plan":"' .. (visitor % 2 == 1 and "pro" or "free") .. '"}}'
  else
    body = '{"n":"pageview","u":"https://' .. site .. "/blog/post-" .. ((visitor * 7 + i) % 500) .. "?utm_source=news&utm_campaign=c" .. (visitor % 30) ..
      '","d":"' .. site .. '","r":"' .. REFERRERS[visitor % 4] .. '","p":{"author":"a' .. (visitor % 50) .. '"}}'
  end
  local ip = (11 + visitor % 200) .. "." .. (math.floor(visitor / 256) % 256) .. "." .. (math.floor(visitor / 8) % 256) .. "." .. ((visitor * 7) % 250)
  return body, { ["Content-Type"] = "text/plain", ["User-Agent"] = UAS[visitor % 1000], ["X-Forwarded-For"] = ip }
end

local n = 0
function init(args)
  -- wrk calls request() once when it sets a thread up and drops that request: it gets number first - 1
  n = tonumber(args[1] or "0") - 1
end

function request()
  local body, headers = realistic(n)
  n = n + 1
  return wrk.format("POST", nil, headers, body)
end
