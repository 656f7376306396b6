package app

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/changeboard/changeboard/internal/audit"
	"github.com/changeboard/changeboard/internal/config"
)

// AuditOptions loads the audit key and the checkpoint publishers. The
// service (create) generates the key on first start, with a log line naming
// the file and the key id; the command line only reads it.
func AuditOptions(cfg config.Config, log *slog.Logger, create bool) (audit.Options, error) {
	var keys *audit.Keys
	var created bool
	var err error
	if create {
		keys, created, err = audit.LoadOrCreateKeyFile(cfg.Audit.KeyFile)
	} else {
		keys, err = audit.LoadKeyFile(cfg.Audit.KeyFile)
	}
	if err != nil {
		return audit.Options{}, fmt.Errorf("audit key: %w", err)
	}
	if created {
		log.Warn("generated a new audit signing key: keep it (and a copy of its public key) outside the database",
			"path", cfg.Audit.KeyFile, "key_id", keys.KeyID())
	}
	o := audit.Options{Keys: keys}
	if cfg.Audit.CheckpointFile != "-" {
		f := &audit.CheckpointFile{Path: cfg.Audit.CheckpointFile}
		o.Publishers = append(o.Publishers, f)
		o.Published = append(o.Published, f)
	}
	if cfg.Audit.CheckpointWebhook != "" {
		o.Publishers = append(o.Publishers, webhook{url: cfg.Audit.CheckpointWebhook, client: &http.Client{Timeout: 10 * time.Second}})
	}
	return o, nil
}

// webhook POSTs each checkpoint as JSON; any 2xx is success.
type webhook struct {
	url    string
	client *http.Client
}

func (w webhook) Publish(ctx context.Context, c audit.Checkpoint) error {
	b, err := json.Marshal(c)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.url, bytes.NewReader(b))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	res, err := w.client.Do(req)
	if err != nil {
		return fmt.Errorf("checkpoint webhook: %w", err)
	}
	_ = res.Body.Close()
	if res.StatusCode/100 != 2 {
		return fmt.Errorf("checkpoint webhook: status %d", res.StatusCode)
	}
	return nil
}

// CheckpointNow seals what is committed, then signs and publishes the head:
// the periodic job, and serve at shutdown after the final seal.
func (a *App) CheckpointNow(ctx context.Context) (audit.Checkpoint, error) {
	if _, err := a.Sealer.SealNow(ctx); err != nil {
		return audit.Checkpoint{}, err
	}
	return a.Audit.WriteCheckpoint(ctx)
}
