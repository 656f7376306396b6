package httpapi

import (
	"log/slog"
	"mime"

	"github.com/labstack/echo/v4"
)

// streamWriter sends the status and headers of a streamed download on its
// first byte, so that an error found before any row still becomes a
// problem response, and flushes as the writer asks.
type streamWriter struct {
	c           echo.Context
	contentType string
	filename    string
	started     bool
}

func (w *streamWriter) Write(p []byte) (int, error) {
	if !w.started {
		w.started = true
		h := w.c.Response().Header()
		h.Set(echo.HeaderContentType, w.contentType)
		h.Set(echo.HeaderContentDisposition, mime.FormatMediaType("attachment", map[string]string{"filename": w.filename}))
		h.Set("X-Content-Type-Options", "nosniff")
		w.c.Response().WriteHeader(200)
	}
	return w.c.Response().Write(p)
}

// Flush implements the flusher the streaming writers look for.
func (w *streamWriter) Flush() {
	if w.started {
		w.c.Response().Flush()
	}
}

// finish returns err as a problem when nothing was sent yet; once the body
// has started, the status is gone: the error is logged and the body ends
// short (without its signed manifest, which the verifiers require).
func (w *streamWriter) finish(err error, log *slog.Logger) error {
	if err == nil || !w.started {
		if err == nil && !w.started {
			_, err = w.Write(nil)
		}
		return err
	}
	log.Error("stream cut", "request_id", requestID(w.c), "err", err.Error())
	return nil
}
