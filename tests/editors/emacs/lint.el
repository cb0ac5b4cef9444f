;;; lint.el --- byte-compile and package-lint editors/emacs/poe-eglot.el  -*- lexical-binding: t; -*-

;;; Commentary:

;; emacs --batch -Q -l tests/editors/emacs/lint.el FILE.el
;;
;; Byte-compiles FILE.el with every warning an error, then runs package-lint
;; (Debian's elpa-package-lint) on it.  package-lint asks the package archives
;; whether each dependency can be installed; MELPA and GNU ELPA are out of
;; reach here, so it is told what GNU ELPA has: Eglot, which Debian packages
;; as elpa-eglot.  Exits non-zero on any warning or error.

;;; Code:

(require 'package)
(dolist (dir (file-expand-wildcards "/usr/share/emacs/site-lisp/elpa/*"))
  (add-to-list 'load-path dir))

(defun poe-lint--known-archive (&rest _)
  "Make `package-archive-contents' list Eglot, as GNU ELPA does."
  (setq package-archive-contents
        (list (list 'eglot (package-desc-create
                            :name 'eglot :version '(1 9) :archive "gnu")))))
(advice-add 'package-initialize :after #'poe-lint--known-archive)

(let ((file (car command-line-args-left))
      (byte-compile-error-on-warn t)
      (byte-compile-dest-file-function
       (lambda (_) (make-temp-file "poe-eglot" nil ".elc"))))
  (unless (byte-compile-file file)
    (kill-emacs 1))
  (require 'package-lint)
  (package-lint-batch-and-exit))

;;; lint.el ends here
