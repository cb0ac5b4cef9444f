--- The options of `require('poe_lsp').setup()`: defaults, validation, and the `vim.lsp.Config`
--- they become. The server's settings, their ranges and their names come from the generated
--- `poe_lsp.contract` (`contract.SETTINGS`).
local contract = require('poe_lsp.contract')

local M = {}

---@alias poe_lsp.ApiKey string|fun(): string?

---@class poe_lsp.Bots
---@field explain? string
---@field refactor? string
---@field write_tests? string
---@field ask? string
---@field commit_message? string

---@class poe_lsp.Review
---@field refactor? boolean
---@field write_tests? boolean
---@field ask? boolean
---@field commit_message? boolean

---@class poe_lsp.Opts
---@field cmd? string[] How to start the server (default `{ 'poe-lsp' }`).
---@field api_key? poe_lsp.ApiKey The key itself, or a function returning it.
---@field api_key_cmd? string[] A command printing the key on its first line (a password manager).
---@field bot? string The bot every action uses (server default `Claude-Sonnet-4.5`).
---@field bots? poe_lsp.Bots A bot per action; actions left out use `bot`.
---@field base_url? string Where bots are reached; ends with `/`. Its host is trusted with the key.
---@field usage_url? string Poe's API host for the point balance (server default: from `base_url`).
---@field context_lines? integer Lines around the selection sent as context (0-500).
---@field project_instructions? boolean Send the project's `AGENTS.md` & co. as its conventions (default true).
---@field read_timeout? number Seconds to wait for the next piece of an answer (1-600).
---@field context_budget? integer Most characters of context sent with one request (4000-400000).
---@field daily_point_budget? integer Most points a day's use may spend (0: no limit).
---@field trusted_bots? string[] Bots that spend your points without asking first (`'*'`: all).
---@field rate_limit? integer Most requests to Poe with your key per `rate_limit_window` (1-500).
---@field rate_limit_window? number The window of `rate_limit`, in seconds (1-3600).
---@field review? poe_lsp.Review Per action: keep the answer for review instead of streaming it in.
---@field actions? table[] Your own actions: `{ id, title, instruction, output?, bot?, review?, languages? }`.
---@field filetypes? string[] Filetypes to attach to (default: every filetype).
---@field root_markers? string[] Files that mark a project's root.
---@field progress? boolean Echo Poe's progress in the message area (default true).
---@field float? vim.lsp.util.open_floating_preview.Opts How the explanation float looks.
---@field enable? boolean Call `vim.lsp.enable('poe_lsp')` (default true).

---@class poe_lsp.Options: poe_lsp.Opts
---@field progress boolean
---@field float vim.lsp.util.open_floating_preview.Opts

--- The defaults of the options that the plugin itself uses.
---@type poe_lsp.Options
M.defaults = {
  progress = true,
  float = {
    border = 'rounded',
    title = ' Poe: Explain ',
    max_width = 100,
    max_height = 30,
    focus_id = 'poe_lsp_explain',
  },
}

--- The options in force: the defaults until `setup()` is called.
---@type poe_lsp.Options
M.options = vim.deepcopy(M.defaults)

---@param name string
---@return string
local function snake(name)
  return (name:gsub('%u', function(letter)
    return '_' .. letter:lower()
  end))
end

--- The actions as `setup()` names them (`write_tests`), and as the server does.
local BOT_ACTIONS, EDIT_ACTIONS = {}, {} ---@type table<string, string>, table<string, string>
for _, action in ipairs(contract.ACTIONS) do
  BOT_ACTIONS[snake(action)] = action
end
for _, action in ipairs(contract.EDITING_ACTIONS) do
  EDIT_ACTIONS[snake(action)] = action
end

---@param value any
---@return boolean, string?
local function string_list(value)
  if type(value) ~= 'table' or not vim.islist(value) or #value == 0 then
    return false, 'a non-empty list of strings'
  end
  for _, item in ipairs(value) do
    if type(item) ~= 'string' or item == '' then
      return false, 'a non-empty list of strings'
    end
  end
  return true
end

---@param low number
---@param high number
---@return fun(value: any): boolean, string?
local function number_between(low, high)
  return function(value)
    if type(value) ~= 'number' or value < low or value > high then
      return false, ('a number from %g to %g'):format(low, high)
    end
    return true
  end
end

---@param value any
---@return boolean, string?
local function bot_name(value)
  if type(value) ~= 'string' or vim.trim(value) == '' or value:find('/', 1, true) then
    return false, 'a bot name'
  end
  return true
end

---@param value any
---@return boolean, string?
local function bots(value)
  if type(value) ~= 'table' then
    return false, 'a table like { explain = "GPT-5" }'
  end
  for action, name in pairs(value) do
    if not BOT_ACTIONS[action] then
      return false, 'keys among explain, refactor, write_tests, ask'
    end
    if not bot_name(name) then
      return false, ('a bot name for %s'):format(action)
    end
  end
  return true
end

---@param value any
---@return boolean, string?
local function review(value)
  if type(value) ~= 'table' then
    return false, 'a table like { refactor = true }'
  end
  for action, flag in pairs(value) do
    if not EDIT_ACTIONS[action] or type(flag) ~= 'boolean' then
      return false, 'true or false for refactor, write_tests, ask'
    end
  end
  return true
end

--- The host of an http(s) URL as `$POE_ALLOWED_HOSTS` lists it: `host`, or `host:port` when the
--- URL gives a port (`[v6]`, `[v6]:port`); nil when the URL has no such host.
---@param url string
---@return string?
function M.url_host(url)
  local authority = url:match('^[hH][tT][tT][pP][sS]?://([^/?#]*)')
  -- A user name, password, backslash or space: URL parsers disagree on where such a host ends.
  if not authority or authority:find('[@\\%s,]') then
    return nil
  end
  authority = authority:lower()
  local host, port ---@type string?, string?
  if authority:sub(1, 1) == '[' then
    host, port = authority:match('^(%[[%x:.]+%]):?(%d*)$')
  else
    host, port = authority:match('^([^:%[%]]+):?(%d*)$')
  end
  if not host or (port ~= '' and (tonumber(port) < 1 or tonumber(port) > 65535)) then
    return nil
  end
  return port ~= '' and (host .. ':' .. port) or host
end

---@param value any
---@return boolean, string?
local function url(value)
  if type(value) ~= 'string' or value:sub(-1) ~= '/' or not M.url_host(value) then
    return false, 'an http(s) URL ending with "/"'
  end
  return true
end

---@param value any
---@return boolean, string?
local function bot_list(value)
  local ok = string_list(value)
  for _, name in ipairs(ok and value or {}) do
    ok = ok and not name:find(',', 1, true) and (name == '*' or bot_name(name))
  end
  if not ok then
    return false, "a non-empty list of bot names (or { '*' })"
  end
  return true
end

---@param value any
---@return boolean, string?
local function actions(value)
  local ok = type(value) == 'table' and vim.islist(value)
  for _, item in ipairs(ok and value or {}) do
    ok = ok and type(item) == 'table' and type(item.id) == 'string'
  end
  if not ok then
    return false, 'a list of { id = ..., title = ..., instruction = ... } tables'
  end
  return true
end

--- The validators of the server's settings that a type and a range do not say.
---@type table<string, vim.validate.Validator>
local SERVER_VALIDATORS = {
  api_key = { 'string', 'function' },
  bot = bot_name,
  bots = bots,
  trusted_bots = bot_list,
  review = review,
  base_url = url,
  usage_url = url,
  project_instructions = 'boolean',
  actions = actions,
}

---@param setting poe_lsp.Setting
---@return vim.validate.Validator
local function validator(setting)
  local named = SERVER_VALIDATORS[setting.option]
  if named then
    return named
  elseif setting.minimum and setting.maximum then
    return number_between(setting.minimum, setting.maximum)
  end
  error('poe_lsp.config: no validator for the server setting ' .. setting.key)
end

--- Validators of every option, in the order they are checked.
---@type [string, vim.validate.Validator][]
local SCHEMA = { { 'cmd', string_list }, { 'api_key_cmd', string_list } }
for _, setting in ipairs(contract.SETTINGS) do
  SCHEMA[#SCHEMA + 1] = { setting.option, validator(setting) }
end
vim.list_extend(SCHEMA, {
  { 'filetypes', string_list },
  { 'root_markers', string_list },
  { 'progress', 'boolean' },
  { 'float', 'table' },
  { 'enable', 'boolean' },
})

--- Check `opts`; raise an error naming the first option that is wrong.
---@param opts poe_lsp.Opts
function M.validate(opts)
  vim.validate('opts', opts, 'table')
  local known = {} ---@type table<string, true>
  for _, entry in ipairs(SCHEMA) do
    known[entry[1]] = true
    vim.validate('poe_lsp.setup: ' .. entry[1], opts[entry[1]], entry[2], true)
  end
  for name in pairs(opts) do
    if not known[name] then
      error(('poe_lsp.setup: unknown option %q (see :help poe_lsp-options)'):format(name), 0)
    end
  end
end

--- Validate `opts` and make them the options in force.
---@param opts? poe_lsp.Opts
---@return poe_lsp.Options
function M.set(opts)
  opts = opts or {}
  M.validate(opts)
  M.options = vim.tbl_deep_extend('force', vim.deepcopy(M.defaults), opts)
  return M.options
end

--- The server's `poe` settings section for `opts` (camelCase, only what was given; no key).
---@param opts poe_lsp.Opts
---@return table<string, any>
function M.server_settings(opts)
  local section = {} ---@type table<string, any>
  for _, setting in ipairs(contract.SETTINGS) do
    local value = opts[setting.option]
    if setting.key == 'apiKey' then
      -- Never in the settings, which are shown and logged: see `poe_lsp.key`.
    elseif setting.properties then
      -- A table by action: `setup()` names them like Lua does (`write_tests`).
      local chosen = {} ---@type table<string, any>
      for action, item in pairs(value or {}) do
        chosen[BOT_ACTIONS[action]] = item
      end
      section[setting.key] = next(chosen) and chosen or nil
    else
      section[setting.key] = value
    end
  end
  return section
end

--- The server's environment variables that trust bots and hosts without asking.
M.TRUSTED_BOTS_ENV = contract.ENV.POE_TRUSTED_BOTS
M.ALLOWED_HOSTS_ENV = contract.ENV.POE_ALLOWED_HOSTS
M.DAILY_POINT_BUDGET_ENV = contract.ENV.POE_DAILY_POINT_BUDGET

--- `inherited` (a comma-separated list, or nil) with `added` appended, each name once.
---@param inherited string?
---@param added string[]
---@return string
local function join(inherited, added)
  local names, seen = {}, {} ---@type string[], table<string, true>
  for _, name in ipairs(vim.list_extend(vim.split(inherited or '', ','), added)) do
    name = vim.trim(name)
    if name ~= '' and not seen[name:lower()] then
      seen[name:lower()] = true
      names[#names + 1] = name
    end
  end
  return table.concat(names, ',')
end

--- What `opts` trust to the server through its environment (`cmd_env`), added to what Neovim's
--- own environment already says, and the daily point budget (which a project cannot raise). `setup()` is the user's configuration, which a project cannot
--- write; the server trusts its environment, and asks before it follows settings (which can be
--- the project's) to another bot or host. Never the key.
---@param opts poe_lsp.Opts
---@return table<string, string>
function M.server_env(opts)
  local env = {} ---@type table<string, string>
  if opts.trusted_bots then
    env[M.TRUSTED_BOTS_ENV] = join(vim.env[M.TRUSTED_BOTS_ENV], opts.trusted_bots)
  end
  local hosts = {} ---@type string[]
  for _, value in ipairs({ opts.base_url or '', opts.usage_url or '' }) do
    hosts[#hosts + 1] = M.url_host(value) -- nil (nothing) when the option is not set
  end
  if #hosts > 0 then
    env[M.ALLOWED_HOSTS_ENV] = join(vim.env[M.ALLOWED_HOSTS_ENV], hosts)
  end
  local budget = opts.daily_point_budget
  if type(budget) == 'number' and budget > 0 then
    env[M.DAILY_POINT_BUDGET_ENV] = tostring(math.floor(budget))
  end
  return env
end

--- The `cmd_env` names the last `lsp_config()` set, so that the next one can take them back.
---@type table<string, true>
local passed = {}

--- The `vim.lsp.Config` overrides that `opts` stand for. `vim.lsp.config()` merges them into what
--- is there, so a variable an earlier `setup()` passed goes back to Neovim's own value.
---@param opts poe_lsp.Opts
---@return vim.lsp.Config
function M.lsp_config(opts)
  ---@type vim.lsp.Config
  local config = {
    cmd = opts.cmd,
    filetypes = opts.filetypes,
    root_markers = opts.root_markers,
  }
  local section = M.server_settings(opts)
  if next(section) then
    config.settings = { poe = section }
  end
  local env = M.server_env(opts)
  local now = {} ---@type table<string, true>
  for name in pairs(env) do
    now[name] = true
  end
  for name in pairs(passed) do
    env[name] = env[name] or vim.env[name] or ''
  end
  passed = now
  if next(env) then
    config.cmd_env = env
  end
  return config
end

return M
