;;; driver.el --- poe-lsp in a real, headless Emacs + Eglot  -*- lexical-binding: t; -*-

;;; Commentary:

;; emacs --batch -Q -l driver.el, with its input in the environment (no key in argv):
;;
;;   POE_TEST_SCENARIO  refactor | explain | ask | cancel | write-tests
;;   POE_TEST_FILE      the Python file to open (its directory is the project root)
;;   POE_TEST_RANGE     "LINE1 LINE2": the lines (1-based, inclusive) the action works on
;;   POE_TEST_RESULT    where to write what happened, as JSON, for the test to check
;;   POE_LSP_COMMAND    the server command, a JSON array
;;   POE_TEST_SETTINGS  the `poe' settings object, a JSON object (without the key)
;;   POE_TEST_KEY       if set, the key is added to the settings as apiKey; otherwise
;;                      the server takes $POE_API_KEY, as users are advised to do
;;
;; The configuration is the one docs/editors.md shows: poe-eglot.el installed as a package,
;; `poe-eglot-contact' in `eglot-server-programs', the settings in `eglot-workspace-configuration'.
;; Failures print "FAIL: ..." and exit 1.

;;; Code:

(require 'package)
;; -Q skips Debian's site-start, which would find elpa-eglot.
(setq package-directory-list '("/usr/share/emacs/site-lisp/elpa"))
(package-initialize)
(require 'json)
;; Install editors/emacs/poe-eglot.el as a user would (M-x package-install-file), into a
;; package directory of its own: its autoloads, not a `require', make it available.
(setq package-user-dir (make-temp-file "poe-elpa" t))
(add-hook 'kill-emacs-hook (lambda () (delete-directory package-user-dir t)))
(let ((inhibit-message t))
  (package-install-file
   (expand-file-name "../../../editors/emacs/poe-eglot.el"
                     (file-name-directory load-file-name))))
;; package-install-file has loaded it; the driver's own methods below specialize on its class.
(require 'poe-eglot)

(defvar poe-test--job-events nil "Params of every poe/jobEnded, newest first.")
(defvar poe-test--applied 0 "How many workspace edits Eglot applied.")

(cl-defmethod eglot-handle-notification :after
  ((_server poe-eglot-server) (_method (eql poe/jobEnded)) &rest params)
  "Record the PARAMS of each poe/jobEnded."
  (push params poe-test--job-events))

(advice-add 'eglot--apply-workspace-edit :after
            (lambda (&rest _) (cl-incf poe-test--applied))
            '((name . poe-test-count)))

(defun poe-test--fail (format-string &rest args)
  "Print FORMAT-STRING with ARGS and Eglot's buffers (key redacted); exit 1."
  (dolist (buffer (buffer-list))
    (when (string-match-p "EGLOT" (buffer-name buffer))
      (let ((text (with-current-buffer buffer
                    (buffer-substring-no-properties (max (point-min) (- (point-max) 4000))
                                                    (point-max)))))
        (dolist (key (list (getenv "POE_TEST_KEY") (getenv "POE_API_KEY")))
          (when key
            (setq text (string-replace key "[REDACTED]" text))))
        (princ (format "--- %s\n%s\n" (buffer-name buffer) text) #'external-debugging-output))))
  (princ (concat "FAIL: " (apply #'format format-string args) "\n") #'external-debugging-output)
  (kill-emacs 1))

(defun poe-test--env-json (name &optional array-type)
  "The JSON value of environment variable NAME, objects as plists.
Arrays become ARRAY-TYPE: lists by default, vectors to send them on as JSON."
  (let ((json-object-type 'plist) (json-array-type (or array-type 'list))
        (json-key-type 'keyword))
    (json-read-from-string (or (getenv name) (poe-test--fail "%s is not set" name)))))

(defun poe-test--wait (what predicate &optional timeout)
  "Run the event loop until PREDICATE holds; fail after TIMEOUT s saying WHAT.
Each turn ends with an undo boundary, as each command of a busy user
does.  Idle timers never run in batch Emacs, as for a user who keeps
typing: Eglot's own didChange (sent once Emacs is idle) never comes,
so streaming relies on poe-eglot.el."
  (let ((deadline (+ (float-time) (or timeout 60))))
    (while (not (funcall predicate))
      (when (> (float-time) deadline)
        (poe-test--fail "timed out waiting for %s" what))
      (accept-process-output nil 0.05)
      (undo-boundary))))

(defun poe-test--job-end ()
  "Wait for the first job to end; return its poe/jobEnded params."
  (poe-test--wait "poe/jobEnded" (lambda () poe-test--job-events))
  (car poe-test--job-events))

(defun poe-test--select-lines ()
  "Select the lines of POE_TEST_RANGE as a user would; return (BEG END)."
  (let ((lines (mapcar #'string-to-number (split-string (getenv "POE_TEST_RANGE")))))
    (goto-char (point-min))
    (forward-line (1- (nth 0 lines)))
    (push-mark (point) t t)
    (forward-line (- (nth 1 lines) (nth 0 lines) -1))
    (list (region-beginning) (region-end))))

(defun poe-test--titles (beg end)
  "The titles of the code actions Eglot gets between BEG and END."
  (mapcar (lambda (action) (plist-get action :title)) (eglot-code-actions beg end)))

(defun poe-test--code-action (kind beg end)
  "Run the code action of KIND between BEG and END.
That is what `C-u M-x eglot-code-actions' does once given KIND."
  (eglot-code-actions beg end kind t))

(defun poe-test--hover-at (pos)
  "The hover text Eglot shows at POS."
  (save-excursion
    (goto-char pos)
    (let ((hover (jsonrpc-request (eglot--current-server-or-lose) :textDocument/hover
                                  (eglot--TextDocumentPositionParams))))
      (and hover (eglot--hover-info (plist-get hover :contents))))))

(defun poe-test--undo-once ()
  "Type C-/ once; return the text afterwards.
The command loop would have deactivated the mark (the buffer
changed) and ended the previous command with an undo boundary."
  (deactivate-mark)
  (undo-boundary)
  (let ((last-command nil))
    (undo))
  (buffer-substring-no-properties (point-min) (point-max)))

(defun poe-test--scenario (scenario)
  "Run SCENARIO in the current buffer; return the plist of what happened."
  (pcase-let ((`(,beg ,end) (poe-test--select-lines)))
    (pcase scenario
      ("refactor"
       (let ((offered (poe-test--titles beg end)))
         (poe-test--code-action "refactor.rewrite" beg end)
         (list :offered offered
               :event (poe-test--job-end)
               :text (buffer-string)
               :undone (poe-test--undo-once))))
      ("explain"
       (poe-test--code-action "poe.explain" beg end)
       (list :event (poe-test--job-end)
             :text (buffer-string)
             :hover (poe-test--hover-at (+ beg 4))
             :hoverOutside (poe-test--hover-at (point-max))
             :shown (with-current-buffer "*Poe explanation*" (buffer-string))))
      ("ask"
       (call-interactively #'poe-eglot-ask) ; the minibuffer reads stdin
       (let* ((event (poe-test--job-end))
              (proposal (poe-test--hover-at (+ beg 4)))
              (offered (poe-test--titles beg end)))
         (poe-test--code-action "poe.accept" beg end)
         (list :event event
               :proposal proposal
               :offered offered
               :text (buffer-string)
               :undone (poe-test--undo-once))))
      ("cancel"
       (let ((before (buffer-string)))
         (poe-test--code-action "refactor.rewrite" beg end)
         (poe-test--wait "the first edit" (lambda () (not (equal (buffer-string) before))))
         (let ((streamed (buffer-string)))
           (call-interactively #'poe-eglot-cancel)
           (list :event (poe-test--job-end)
                 :streamed streamed
                 :text (buffer-string)))))
      ("write-tests"
       (poe-test--code-action "poe.writeTests" beg end)
       (let* ((event (poe-test--job-end))
              (tests (find-buffer-visiting (eglot--uri-to-path (plist-get event :targetUri)))))
         (list :event event
               :text (buffer-string)
               :tests (and tests (with-current-buffer tests (buffer-string)))
               :testsShown (and tests (get-buffer-window tests t) t)
               :testsManaged (and tests (with-current-buffer tests eglot--managed-mode) t))))
      (_ (poe-test--fail "unknown scenario %s" scenario)))))

(defun poe-test--main ()
  "Set Eglot up as docs/editors.md says, run the scenario, write the result."
  (let* ((file (expand-file-name (getenv "POE_TEST_FILE")))
         (root (file-name-directory file))
         (command (poe-test--env-json "POE_LSP_COMMAND"))
         (settings (poe-test--env-json "POE_TEST_SETTINGS" 'vector))
         (key (getenv "POE_TEST_KEY")))
    (setq poe-eglot-command command)
    (add-to-list 'eglot-server-programs '(python-mode . poe-eglot-contact))
    (setq-default eglot-workspace-configuration
                  (lambda (_server)
                    (list :poe (if key (append (list :apiKey key) settings) settings))))
    ;; No version control here: name the project root, or project.el would ask for one.
    (add-hook 'project-find-functions (lambda (_dir) (cons 'transient root)))
    (setq eglot-connect-timeout 60)
    (transient-mark-mode 1)
    (find-file file)
    (condition-case err
        (apply #'eglot (eglot--guess-contact)) ; what M-x eglot does
      (error (poe-test--fail "eglot did not start: %S" err)))
    ;; `eglot' stops waiting at the server's first output, its log on stderr included.
    (poe-test--wait "the server" #'eglot-current-server)
    (let* ((result (poe-test--scenario (getenv "POE_TEST_SCENARIO")))
           (result (append result (list :applied poe-test--applied
                                        :events (length poe-test--job-events)))))
      (ignore-errors (eglot-shutdown (eglot-current-server)))
      (with-temp-file (getenv "POE_TEST_RESULT")
        (insert (json-encode result))))
    (kill-emacs 0)))

(setq command-line-args-left nil)
(poe-test--main)

;;; driver.el ends here
