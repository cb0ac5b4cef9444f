--- `:checkhealth poe_lsp`: Neovim's version, the server, the key (never its value), what is
--- trusted without asking, the clients.
local M = {}

local health = vim.health

local function check_neovim()
  local version = tostring(vim.version())
  if vim.fn.has('nvim-0.11') == 1 then
    health.ok('Neovim ' .. version)
  else
    health.error(
      'Neovim ' .. version .. ' is too old',
      { 'poe_lsp needs Neovim 0.11 or newer (vim.lsp.config and vim.lsp.enable).' }
    )
  end
end

---@param config vim.lsp.Config
local function check_server(config)
  local cmd = config.cmd
  if type(cmd) ~= 'table' or not cmd[1] then
    health.info('cmd is a function: cannot check the server from here.')
    return
  end
  local path = vim.fn.exepath(cmd[1])
  if path == '' then
    health.error(('%s is not executable'):format(cmd[1]), {
      'Install poe-lsp: pipx install poe-lsp (Debian, Ubuntu: sudo apt install pipx first),'
        .. ' or from a clone of its repository: pipx install --force <the clone>.',
      "With lazy.nvim, give the plugin's spec build = 'pipx install --force ../..' (see the"
        .. " plugin's README), then :Lazy build poe_lsp.",
      "Then make sure pipx's bin folder (pipx ensurepath) is on the PATH Neovim starts with.",
      "Or point poe_lsp at it: require('poe_lsp').setup({ cmd = { '/path/to/poe-lsp' } }).",
    })
    return
  end
  local argv = vim.list_extend(vim.deepcopy(cmd), { '--version' })
  local ok, result = pcall(function()
    return vim.system(argv, { text = true }):wait(20000)
  end)
  local version = ok and result.code == 0 and vim.trim(result.stdout or '') or ''
  if version:match('^poe%-lsp %d') then
    health.ok(('%s (%s)'):format(version, path))
    local plugin = require('poe_lsp.version')
    if version ~= 'poe-lsp ' .. plugin then
      health.warn(('This plugin is %s; the server is %s'):format(plugin, version), {
        'Update the two together: pipx upgrade poe-lsp (or :Lazy build poe_lsp).',
      })
    end
  else
    health.error(('%s --version did not answer with a version'):format(table.concat(cmd, ' ')), {
      'Run it in a terminal to see why; reinstall poe-lsp if it fails.',
    })
  end
end

---@param config vim.lsp.Config
local function check_key(config)
  local options = require('poe_lsp.config').options
  local source = require('poe_lsp.key').source(options)
  local in_settings = vim.tbl_get(config.settings or {}, 'poe', 'apiKey')
  if in_settings then
    health.warn('The key is in settings.poe.apiKey', {
      ':checkhealth vim.lsp and :lua =vim.lsp.get_clients() show it there.',
      "Use require('poe_lsp').setup({ api_key_cmd = { ... } }) or $POE_API_KEY instead.",
    })
  elseif source then
    health.ok('Poe API key: from ' .. source)
    local cmd = options.api_key_cmd
    if cmd and not require('poe_lsp.key').resolved() and vim.fn.executable(cmd[1]) == 0 then
      health.error(('api_key_cmd: %s is not executable'):format(cmd[1]))
    end
  else
    health.warn('No Poe API key', {
      'Get one at https://poe.com/api_key, then either',
      'export POE_API_KEY in the environment Neovim starts from, or',
      "require('poe_lsp').setup({ api_key_cmd = { 'pass', 'show', 'poe' } }).",
    })
  end
  if vim.lsp.log.get_level() <= vim.log.levels.DEBUG then
    health.warn(
      'The LSP log level is DEBUG or TRACE: lsp.log records every message, the key too.',
      {
        "vim.lsp.log.set_level('warn') when you are done, and delete "
          .. vim.lsp.log.get_filename(),
      }
    )
  end
end

--- Whether poe-lsp sends the key to the host of `url` without asking: Poe's or this machine's.
---@param url string
---@return boolean
local function known_host(url)
  local host = (require('poe_lsp.config').url_host(url) or ''):gsub(':%d+$', '')
  local poe = url:lower():match('^https://')
    and (host == 'poe.com' or vim.endswith(host, '.poe.com'))
  return poe or host == 'localhost' or host == '[::1]' or host:match('^127%.[%d.]+$') ~= nil
end

--- What the server's environment trusts without asking, and the settings it asks about first
--- (settings can come from elsewhere than `setup()`, such as an exrc).
---@param config vim.lsp.Config
local function check_trust(config)
  local options = require('poe_lsp.config')
  local env = config.cmd_env or {}
  ---@param name string
  ---@return string[]
  local function listed(name)
    local value = env[name] or vim.env[name] or ''
    return vim.tbl_filter(function(item)
      return item ~= ''
    end, vim.tbl_map(vim.trim, vim.split(value:lower(), ',')))
  end
  local bots, hosts = listed(options.TRUSTED_BOTS_ENV), listed(options.ALLOWED_HOSTS_ENV)
  if #bots > 0 then
    health.ok(
      ('Bots trusted without asking (%s): %s'):format(
        options.TRUSTED_BOTS_ENV,
        table.concat(bots, ', ')
      )
    )
  end
  if #hosts > 0 then
    health.ok(
      ("Hosts the key may go to besides Poe's and this machine (%s): %s"):format(
        options.ALLOWED_HOSTS_ENV,
        table.concat(hosts, ', ')
      )
    )
  end
  local section = vim.tbl_get(config.settings or {}, 'poe') or {}
  local asked = {} ---@type string[]
  if type(section.trustedBots) == 'table' and not vim.tbl_contains(bots, '*') then
    for _, bot in ipairs(section.trustedBots) do
      if type(bot) == 'string' and not vim.tbl_contains(bots, bot:lower()) then
        asked[#asked + 1] = bot
      end
    end
  end
  if #asked > 0 then
    local text = 'settings.poe.trustedBots lists %s: unless Poe made it, poe-lsp asks before'
      .. ' such a bot spends your points. trusted_bots in setup() trusts it without asking.'
    health.info(text:format(table.concat(asked, ', ')))
  end
  for _, key in ipairs({ 'baseUrl', 'usageUrl' }) do
    local url = section[key]
    if type(url) == 'string' and not known_host(url) then
      local host = options.url_host(url)
      local any_port = host and host:gsub(':%d+$', '')
      if not host or not (vim.tbl_contains(hosts, host) or vim.tbl_contains(hosts, any_port)) then
        local text = 'settings.poe.%s points to %s: poe-lsp asks before it sends your key'
          .. ' there. If you set it yourself, give it to setup() (base_url, usage_url) instead.'
        health.info(text:format(key, host or url))
      end
    end
  end
end

--- Ask `client` for `command` (no argument), waiting at most 3 s; the result, or nil and why.
---@param client vim.lsp.Client
---@param command string
---@return table?, string?
local function ask(client, command)
  local params = { command = command, arguments = {} }
  local response, err = client:request_sync('workspace/executeCommand', params, 3000)
  if not response then
    return nil, err or 'no answer'
  elseif response.err then
    return nil, response.err.message
  end
  return type(response.result) == 'table' and response.result or nil, 'no result'
end

--- The balance and today's spending, from the server (each one request to Poe).
---@param client vim.lsp.Client
---@param commands string[]
local function check_spending(client, commands)
  local contract = require('poe_lsp.contract')
  if vim.tbl_contains(commands, contract.CMD_BALANCE) then
    local balance, why = ask(client, contract.CMD_BALANCE)
    if balance and balance.points then
      health.ok(('Balance: %s points'):format(tostring(balance.points)))
    else
      health.info('Balance unknown: ' .. tostring(why))
    end
  end
  if vim.tbl_contains(commands, contract.CMD_USAGE) then
    local usage, why = ask(client, contract.CMD_USAGE)
    if usage and type(usage.today) == 'table' then
      local budget = tonumber(usage.dailyBudget) or 0
      local text = ('Spent today: %s points%s; this session: %s'):format(
        tostring(usage.today.points),
        budget > 0 and (' of a daily budget of %d'):format(budget) or '',
        tostring(type(usage.session) == 'table' and usage.session.points or 0)
      )
      if usage.known == false then
        health.info(text .. " (Poe's points history could not be read)")
      elseif budget > 0 and (tonumber(usage.today.points) or 0) >= budget then
        health.warn(
          text,
          { 'Jobs are refused until tomorrow: raise daily_point_budget in setup().' }
        )
      else
        health.ok(text)
      end
    else
      health.info("Today's spending unknown: " .. tostring(why))
    end
  end
end

local function check_clients()
  local enabled = vim.lsp.is_enabled('poe_lsp')
  local clients = vim.lsp.get_clients({ name = 'poe_lsp' })
  if #clients == 0 then
    local advice = enabled and 'Open a file (any filetype) to start it.'
      or "Add vim.lsp.enable('poe_lsp') (or require('poe_lsp').setup()) to your config."
    health.warn('No poe_lsp client is running', { advice })
    return
  end
  for _, client in ipairs(clients) do
    local buffers = vim.tbl_count(client.attached_buffers)
    local info = client.server_info or {}
    health.ok(
      ('Client %d (%s %s) attached to %d buffer%s, root %s'):format(
        client.id,
        info.name or 'poe-lsp',
        info.version or '?',
        buffers,
        buffers == 1 and '' or 's',
        client.root_dir or '(none)'
      )
    )
    local provider = client.server_capabilities
      and client.server_capabilities.executeCommandProvider
    local commands = provider and provider.commands or {}
    if not vim.tbl_contains(commands, require('poe_lsp.contract').CMD_BALANCE) then
      health.info(':Poe balance needs a newer poe-lsp (no poe.balance command).')
    end
    check_spending(client, commands)
  end
end

--- Run the checks.
function M.check()
  health.start('poe_lsp')
  check_neovim()
  local config = vim.lsp.config['poe_lsp'] or {}
  check_server(config)
  check_key(config)
  check_trust(config)
  check_clients()
end

return M
