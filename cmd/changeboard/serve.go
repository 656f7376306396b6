package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sync"

	"github.com/changeboard/changeboard/internal/app"
	"github.com/changeboard/changeboard/internal/config"
	"github.com/changeboard/changeboard/internal/httpapi"
)

func newLogger(w io.Writer, level string) *slog.Logger {
	var l slog.Level
	_ = l.UnmarshalText([]byte(level))
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: l}))
}

func serve(ctx context.Context, args []string, getenv func(string) string, stderr io.Writer) error {
	cfg, err := config.Load(args, getenv)
	if err != nil {
		return err
	}
	log := newLogger(stderr, cfg.LogLevel)
	a, err := app.New(ctx, cfg, log, app.Options{})
	if err != nil {
		return err
	}
	defer a.Close()
	if err := bootstrap(ctx, a, stderr); err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return err
	}
	if err := a.Start(ctx); err != nil {
		return err
	}
	stopPprof, err := startPprof(cfg.PprofAddr, log)
	if err != nil {
		return err
	}
	defer stopPprof()
	srv := httpapi.NewHTTPServer(cfg.Addr, a.HTTP)
	sealCtx, stopSealer := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); a.Sealer.Run(sealCtx) }()
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	log.Info("listening", "addr", ln.Addr().String(), "database", string(a.DB.Dialect()))

	select {
	case err = <-served:
	case <-ctx.Done():
		// Stop taking work, drain requests, stop the jobs (running ones
		// finish within the same budget), seal the audit tail, then the
		// deferred Close closes the database.
		log.Info("shutting down")
		shutdownCtx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
		err = srv.Shutdown(shutdownCtx)
		err = errors.Join(err, a.Stop(shutdownCtx))
		cancel()
	}
	stopSealer()
	wg.Wait()
	// The sealer sealed the tail; sign it, so that a restart finds the
	// shutdown's head anchored.
	cpCtx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
	if _, cerr := a.Audit.WriteCheckpoint(cpCtx); cerr != nil {
		log.Error("audit checkpoint at shutdown", "err", cerr)
	}
	cancel()
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}

// bootstrap creates the admin on an empty database and, on request, the
// demo data.
func bootstrap(ctx context.Context, a *app.App, stderr io.Writer) error {
	generated, created, err := a.Auth.Bootstrap(ctx, a.Config.AdminPassword)
	if err != nil {
		return fmt.Errorf("create the admin user: %w", err)
	}
	if created && generated != "" {
		fmt.Fprintf(stderr, "\n  Created user admin with the generated password: %s\n  (shown once; set CHANGEBOARD_ADMIN_PASSWORD to choose it)\n\n", generated)
	}
	if a.Config.Demo {
		return app.LoadDemo(ctx, a, stderr)
	}
	return nil
}
