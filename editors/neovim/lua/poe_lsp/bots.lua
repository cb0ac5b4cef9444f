--- `:Poe bot [action]`: pick the bot of every action, or of one, from Poe's catalogue
--- (`poe.listBots`), for this session.
local M = {}

local rpc = require('poe_lsp.rpc')

--- How a bot is shown in the list: `id (owner) — description`, on one line.
---@param bot { id: string, ownedBy?: string, description?: string }
---@return string
function M.format(bot)
  local text = bot.id
  if type(bot.ownedBy) == 'string' and bot.ownedBy ~= '' then
    text = ('%s (%s)'):format(text, bot.ownedBy)
  end
  if type(bot.description) == 'string' and bot.description ~= '' then
    local line = vim.trim((bot.description:gsub('%s+', ' ')))
    text = ('%s — %s'):format(text, vim.fn.strcharpart(line, 0, 80))
  end
  return text
end

--- Use `bot` for `action` (nil: every action) in `client`'s settings, and tell the server.
---@param client vim.lsp.Client
---@param bot string
---@param action? string
local function use(client, bot, action)
  local settings = vim.deepcopy(client.settings or {})
  settings.poe = settings.poe or {}
  if action then
    settings.poe.bots = settings.poe.bots or {}
    settings.poe.bots[action] = bot
  else
    settings.poe.bot = bot
    settings.poe.bots = nil
  end
  client.settings = settings
  client:notify('workspace/didChangeConfiguration', { settings = settings })
  local option = action and ('bots = { %s = %q }'):format(action, bot) or ('bot = %q'):format(bot)
  rpc.notify(
    ('%s now uses %s in this session; to keep it, add %s to setup().'):format(
      action and (require('poe_lsp.contract').TITLES[action] or action) or 'every action',
      bot,
      option
    )
  )
end

--- Ask the server for the catalogue, let the user pick, then use the pick.
---@param client vim.lsp.Client
---@param action? string
function M.choose(client, action)
  rpc.execute(client, require('poe_lsp.contract').CMD_LIST_BOTS, {}, function(result)
    local bots = vim.tbl_filter(function(bot)
      return type(bot) == 'table' and type(bot.id) == 'string'
    end, result.bots or {})
    if #bots == 0 then
      return rpc.notify('Poe listed no bots; set `bot` in setup() by name.', vim.log.levels.WARN)
    end
    local prompt = action and ('Poe bot for %s:'):format(action) or 'Poe bot for every action:'
    vim.ui.select(bots, { prompt = prompt, format_item = M.format }, function(choice)
      if choice then
        use(client, choice.id, action)
      end
    end)
  end)
end

return M
