--- The Poe API key: found once per session from `api_key` or `api_key_cmd`, kept in memory
--- only, and handed to the server in the `initialize` request (without either, the server reads
--- `$POE_API_KEY` itself). It is never written to a file, put in a command line or shown.
local M = {}

local KEY_ENV = 'POE_API_KEY'
local CMD_TIMEOUT_MS = 30000

---@type string?
local cached

--- Where the key comes from, for messages and `:checkhealth` (never the key itself).
---@param opts poe_lsp.Opts
---@return string? source
function M.source(opts)
  if type(opts.api_key) == 'string' and opts.api_key ~= '' then
    return 'api_key in setup()'
  elseif type(opts.api_key) == 'function' then
    return 'the api_key function in setup()'
  elseif opts.api_key_cmd then
    return ('api_key_cmd (%s)'):format(opts.api_key_cmd[1])
  elseif (vim.env[KEY_ENV] or '') ~= '' then
    return '$' .. KEY_ENV
  end
  return nil
end

---@param value any
---@return string?
local function clean(value)
  if type(value) ~= 'string' then
    return nil
  end
  local first = vim.trim(vim.split(value, '\n', { plain = true })[1] or '')
  return first ~= '' and first or nil
end

---@param argv string[]
---@return string? key
---@return string? problem
local function run(argv)
  if vim.fn.executable(argv[1]) == 0 then
    return nil, ('api_key_cmd: %s is not executable'):format(argv[1])
  end
  local ok, result = pcall(function()
    return vim.system(argv, { text = true, stdin = false }):wait(CMD_TIMEOUT_MS)
  end)
  if not ok then
    return nil, ('api_key_cmd: %s could not run'):format(argv[1])
  end
  if result.code ~= 0 then
    local reason = vim.trim(vim.split(result.stderr or '', '\n', { plain = true })[1] or '')
    return nil,
      ('api_key_cmd: %s exited with %d%s'):format(
        argv[1],
        result.code,
        reason ~= '' and (': ' .. reason) or ''
      )
  end
  local key = clean(result.stdout)
  if not key then
    return nil, ('api_key_cmd: %s printed no key'):format(argv[1])
  end
  return key
end

--- The key configured in `opts`, or nil when none is (the server then reads `$POE_API_KEY`).
--- A command or function runs once per session; a failure is reported and not cached.
---@param opts poe_lsp.Opts
---@return string?
function M.resolve(opts)
  if cached then
    return cached
  end
  local key, problem ---@type string?, string?
  if type(opts.api_key) == 'string' then
    key = clean(opts.api_key)
  elseif type(opts.api_key) == 'function' then
    local ok, value = pcall(opts.api_key)
    if ok then
      key = clean(value)
      problem = key == nil and 'the api_key function returned no key' or nil
    else
      problem = 'the api_key function failed'
    end
  elseif opts.api_key_cmd then
    key, problem = run(opts.api_key_cmd)
  end
  if problem then
    vim.notify('poe_lsp: ' .. problem .. '; poe-lsp starts without a key.', vim.log.levels.ERROR)
  end
  cached = key
  return key
end

--- Forget the key found so far (after `setup()` changes where it comes from).
function M.forget()
  cached = nil
end

--- Whether a key has been found this session.
---@return boolean
function M.resolved()
  return cached ~= nil
end

--- `before_init` of the client: put the key into this `initialize` request only, leaving the
--- client's `init_options` and `settings` (which `:checkhealth vim.lsp` prints) without it.
---@param params lsp.InitializeParams
---@param opts poe_lsp.Opts
function M.inject(params, opts)
  local key = M.resolve(opts)
  if not key then
    return
  end
  local options = params.initializationOptions
  local section = {} ---@type table<string, any>
  if type(options) == 'table' then
    section = vim.deepcopy(type(options.poe) == 'table' and options.poe or options)
  end
  section.apiKey = key
  params.initializationOptions = { poe = section }
end

return M
