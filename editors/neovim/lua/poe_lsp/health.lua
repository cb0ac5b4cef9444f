--- `:checkhealth poe_lsp`: Neovim's version, the server, the key (never its value), the clients.
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
      'Install poe-lsp: python3 -m pip install poe-lsp (or pipx install poe-lsp).',
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
  end
end

--- Run the checks.
function M.check()
  health.start('poe_lsp')
  check_neovim()
  local config = vim.lsp.config['poe_lsp'] or {}
  check_server(config)
  check_key(config)
  check_clients()
end

return M
