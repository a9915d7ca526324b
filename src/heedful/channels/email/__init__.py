"""E-mail: IMAP polling in, SMTP out, threading by Message-ID / In-Reply-To / References."""
