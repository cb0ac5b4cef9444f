--- The default configuration of poe-lsp for `vim.lsp.enable('poe_lsp')`. It attaches to file buffers
--- of every filetype. Override any field with `vim.lsp.config('poe_lsp', { ... })` or through
--- `require('poe_lsp').setup()`; see `:help poe_lsp`.

---@type vim.lsp.Config
return {
  cmd = { 'poe-lsp' },
  root_markers = {
    '.git',
    '.hg',
    'pyproject.toml',
    'setup.py',
    'package.json',
    'go.mod',
    'Cargo.toml',
    'pom.xml',
    'Gemfile',
    'Makefile',
  },
  -- Files only: vim.lsp.enable() after start-up visits every buffer, and without this the empty
  -- buffer Neovim starts with would get a server of its own.
  -- A chat (`:Poe chat`) joins the client that made it, whose session knows where it began.
  root_dir = function(bufnr, on_dir)
    if vim.api.nvim_buf_get_name(bufnr) ~= '' then
      local root = require('poe_lsp.chat').root_for(bufnr)
      on_dir(root or vim.fs.root(bufnr, vim.lsp.config['poe_lsp'].root_markers or { '.git' }))
    end
  end,
  -- The server reads this section through workspace/configuration. Never put the key here:
  -- `:checkhealth vim.lsp` prints it; use api_key, api_key_cmd or $POE_API_KEY instead.
  settings = { poe = vim.empty_dict() },
  capabilities = {
    -- Ask for poe/jobEnded: one undo step per answer, explanations as soon as they are ready.
    experimental = { poeJobEvents = true },
  },
  flags = {
    -- Send each change at once: the server checks the text it streams into against what it
    -- was told, and a change still waiting out the debounce reads as the user's own edit.
    debounce_text_changes = 0,
  },
  before_init = function(params)
    require('poe_lsp.key').inject(params, require('poe_lsp.config').options)
  end,
  on_exit = function(_, _, client_id)
    require('poe_lsp.jobs').forget_client(client_id)
  end,
  handlers = {
    ['workspace/applyEdit'] = function(...)
      return require('poe_lsp.undo').apply_edit(...)
    end,
    ['poe/jobEnded'] = function(...)
      return require('poe_lsp.jobs').on_job_ended(...)
    end,
    ['$/progress'] = function(...)
      return require('poe_lsp.progress').on_progress(...)
    end,
  },
}
