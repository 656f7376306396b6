package app

import (
	"log/slog"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/changeboard/changeboard/internal/session"
	"github.com/changeboard/changeboard/internal/store"
	"github.com/changeboard/changeboard/internal/webui"
)

// mountUI builds the web UI over the same services as the API and serves
// it under /ui/ on the same echo server, behind the same middleware
// (recover, request id, body limit, access log). A template that does not
// parse stops the start here.
func (a *App) mountUI(log *slog.Logger, now func() time.Time) error {
	a.Sessions = session.NewService(store.Runner[session.Tx]{DB: a.DB}, a.Auth, now, 0)
	ui, err := webui.New(webui.Deps{Auth: a.Auth, Sessions: a.Sessions, Audit: a.Audit, Change: a.Change,
		CMDB: a.CMDB, Catalog: a.Catalog, Release: a.Release, Schedule: a.Schedule, Log: log})
	if err != nil {
		return err
	}
	// One wildcard route: the UI's own mux routes its pages (and answers
	// its 404s with a page, not a problem document).
	a.HTTP.Any(webui.Prefix+"/*", echo.WrapHandler(ui))
	return nil
}
