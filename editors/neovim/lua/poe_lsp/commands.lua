--- `:[range]Poe {subcommand} [args]`: the ex command and its completion.
local M = {}

---@class poe_lsp.Subcommand
---@field run fun(args: string, opts: vim.api.keyset.create_user_command.command_args)
---@field complete? fun(arglead: string): string[]

---@param action poe_lsp.Action
---@return poe_lsp.Subcommand
local function action(action)
  return {
    run = function(args, opts)
      local poe = require('poe_lsp')
      local client, problem = poe.client()
      if not client then
        return vim.notify('Poe: ' .. assert(problem), vim.log.levels.WARN)
      end
      local range = require('poe_lsp.range').from_command(opts, client.offset_encoding)
      poe.run(action, { range = range, instruction = args ~= '' and args or nil })
    end,
  }
end

--- The subcommands, by name.
---@type table<string, poe_lsp.Subcommand>
M.subcommands = {
  explain = action('explain'),
  refactor = action('refactor'),
  tests = action('writeTests'),
  ask = action('ask'),
  run = {
    run = function(args, opts)
      local poe = require('poe_lsp')
      local id = vim.trim(args)
      if id == '' then
        return vim.notify('Poe: say which action: :Poe run {id}', vim.log.levels.WARN)
      end
      local client, problem = poe.client()
      if not client then
        return vim.notify('Poe: ' .. assert(problem), vim.log.levels.WARN)
      end
      local range = require('poe_lsp.range').from_command(opts, client.offset_encoding)
      poe.run_action(id, { range = range })
    end,
    complete = function(arglead)
      return vim.tbl_filter(function(id)
        return vim.startswith(id, arglead)
      end, require('poe_lsp').action_ids())
    end,
  },
  commit = {
    run = function()
      require('poe_lsp').commit_message()
    end,
  },
  cancel = {
    run = function(args)
      require('poe_lsp').cancel(args ~= '' and args or nil)
    end,
    complete = function(arglead)
      local ids = vim.tbl_map(function(job)
        return job.id
      end, require('poe_lsp.jobs').running())
      return vim.tbl_filter(function(id)
        return vim.startswith(id, arglead)
      end, ids)
    end,
  },
  accept = {
    run = function(args)
      require('poe_lsp').accept(args ~= '' and args or nil)
    end,
  },
  reject = {
    run = function(args)
      require('poe_lsp').reject(args ~= '' and args or nil)
    end,
  },
  balance = {
    run = function()
      require('poe_lsp').balance()
    end,
  },
  chat = {
    run = function(_, opts)
      local range
      if opts.range > 0 then
        local client = require('poe_lsp').client()
        if client then
          range = require('poe_lsp.range').from_command(opts, client.offset_encoding)
        end
      end
      require('poe_lsp').chat({ range = range })
    end,
  },
  send = {
    run = function()
      require('poe_lsp').send()
    end,
  },
  followup = {
    run = function(args)
      require('poe_lsp').follow_up(args ~= '' and args or nil)
    end,
  },
  sent = {
    run = function(args)
      require('poe_lsp').sent(args ~= '' and args or nil)
    end,
  },
  bot = {
    run = function(args)
      require('poe_lsp').choose_bot(args ~= '' and args or nil)
    end,
    complete = function(arglead)
      local actions = vim.tbl_keys(require('poe_lsp.contract').TITLES)
      table.sort(actions)
      return vim.tbl_filter(function(name)
        return vim.startswith(name, arglead)
      end, actions)
    end,
  },
}

--- The callback of `:Poe`.
---@param opts vim.api.keyset.create_user_command.command_args
function M.run(opts)
  local name, args = opts.args:match('^%s*(%S+)%s*(.-)%s*$')
  local subcommand = M.subcommands[name or '']
  if not subcommand then
    local names = vim.tbl_keys(M.subcommands)
    table.sort(names)
    return vim.notify(
      ('Poe: unknown subcommand %q; use one of %s.'):format(name or '', table.concat(names, ', ')),
      vim.log.levels.ERROR
    )
  end
  subcommand.run(args, opts)
end

--- The completion of `:Poe`: subcommands, then job ids for `cancel`.
---@param arglead string
---@param cmdline string
---@param cursor integer
---@return string[]
function M.complete(arglead, cmdline, cursor)
  local before = cmdline:sub(1, cursor):gsub("^[%s:%d,.$'<>%%+-]*", '')
  local words = vim.split(before, '%s+', { trimempty = true })
  local typed = #words - (arglead == '' and 0 or 1)
  if typed <= 1 then
    local names = vim.tbl_keys(M.subcommands)
    table.sort(names)
    return vim.tbl_filter(function(name)
      return vim.startswith(name, arglead)
    end, names)
  end
  local subcommand = M.subcommands[words[2]]
  if typed == 2 and subcommand and subcommand.complete then
    return subcommand.complete(arglead)
  end
  return {}
end

return M
