package main

import (
	"context"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestServePprof: with CHANGEBOARD_PPROF_ADDR set, serve answers the
// profiles there and not on the API's address; without it, nothing
// listens.
func TestServePprof(t *testing.T) {
	addr, pprofAddr := freeAddr(t), freeAddr(t)
	vars := map[string]string{
		"CHANGEBOARD_ADDR":         addr,
		"CHANGEBOARD_DATABASE_URL": "sqlite:" + filepath.Join(t.TempDir(), "serve.db"),
		"CHANGEBOARD_PPROF_ADDR":   pprofAddr,
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stdout, stderr syncBuffer
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"serve"}, env(vars), strings.NewReader(""), &stdout, &stderr) }()
	waitReady(t, "http://"+addr, done)

	client := &http.Client{Timeout: 5 * time.Second}
	res, err := client.Get("http://" + pprofAddr + "/debug/pprof/goroutine?debug=1")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	_ = res.Body.Close()
	if res.StatusCode != http.StatusOK || !strings.Contains(string(body), "goroutine profile") {
		t.Errorf("pprof listener: %d %.80s", res.StatusCode, body)
	}
	res, err = client.Get("http://" + addr + "/debug/pprof/")
	if err != nil {
		t.Fatal(err)
	}
	_ = res.Body.Close()
	if res.StatusCode != http.StatusUnauthorized && res.StatusCode != http.StatusNotFound {
		t.Errorf("the API's address serves /debug/pprof/: %d", res.StatusCode)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if _, err := client.Get("http://" + pprofAddr + "/debug/pprof/"); err == nil {
		t.Error("the pprof listener is still up after serve returned")
	}
}
