package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// freeAddr returns a loopback address with a port nobody listens on.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	if err := ln.Close(); err != nil {
		t.Fatal(err)
	}
	return addr
}

// waitReady polls /readyz until it answers 200, or fails the test once run
// has returned or the attempts are used up.
func waitReady(t *testing.T, base string, done <-chan error) {
	t.Helper()
	client := &http.Client{Timeout: 2 * time.Second}
	for range 400 {
		select {
		case err := <-done:
			t.Fatalf("serve returned before it was ready: %v", err)
		default:
		}
		res, err := client.Get(base + "/readyz")
		if err == nil {
			_ = res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(25 * time.Millisecond)
	}
	t.Fatal("/readyz never answered 200")
}

var generatedPassword = regexp.MustCompile(`generated password: (\S+)`)

func TestServe(t *testing.T) {
	dbPath := filepath.Join(t.TempDir(), "serve.db")
	addr := freeAddr(t)
	vars := map[string]string{
		"CHANGEBOARD_ADDR":         addr,
		"CHANGEBOARD_DATABASE_URL": "sqlite:" + dbPath,
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stdout, stderr syncBuffer
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"serve"}, env(vars), strings.NewReader(""), &stdout, &stderr) }()

	base := "http://" + addr
	waitReady(t, base, done)

	m := generatedPassword.FindStringSubmatch(stderr.String())
	if m == nil {
		t.Fatalf("no generated admin password on stderr:\n%s", stderr.String())
	}
	if n := strings.Count(stderr.String(), m[1]); n != 1 {
		t.Errorf("the generated password appears %d times on stderr, want once", n)
	}
	token := httpLogin(t, base, "admin", m[1])
	var me struct {
		Username string   `json:"username"`
		Roles    []string `json:"roles"`
	}
	getJSON(t, base+"/api/v1/me", token, &me)
	if me.Username != "admin" || len(me.Roles) != 1 || me.Roles[0] != "admin" {
		t.Errorf("/api/v1/me = %+v, want admin with role admin", me)
	}
	var rep struct {
		OK bool `json:"ok"`
	}
	getJSON(t, base+"/api/v1/audit/verify", token, &rep)
	if !rep.OK {
		t.Error("/api/v1/audit/verify on a fresh service is not ok")
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve after a graceful shutdown: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not return after its context was cancelled")
	}
	if !strings.Contains(stderr.String(), `"msg":"shutting down"`) {
		t.Errorf("no shutdown in the log:\n%s", stderr.String())
	}

	// The database was closed: SQLite removes the write-ahead log when
	// its last connection closes.
	if _, err := os.Stat(dbPath + "-wal"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("%s-wal is still there after shutdown (stat: %v): the database was not closed", dbPath, err)
	}
	// The port was released.
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Errorf("the listening port is still taken after shutdown: %v", err)
	} else {
		_ = ln.Close()
	}
	// The sealer's last run at shutdown left nothing unsealed.
	db := openStore(t, vars)
	var events, unsealed int
	if err := db.SQL().QueryRow(`SELECT COUNT(*), COUNT(*) - (SELECT COUNT(*) FROM audit_seals) FROM audit_events`).Scan(&events, &unsealed); err != nil {
		t.Fatal(err)
	}
	if events < 2 || unsealed != 0 {
		t.Errorf("after shutdown: %d events (want the admin's creation and login at least), %d unsealed (want 0)", events, unsealed)
	}

	// A second start on the same database keeps the admin and prints no
	// new password.
	t.Run("RestartKeepsAdmin", func(t *testing.T) {
		_ = db.Close()
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		var stderr2 syncBuffer
		done := make(chan error, 1)
		go func() { done <- run(ctx, []string{"serve"}, env(vars), strings.NewReader(""), &stdout, &stderr2) }()
		waitReady(t, base, done)
		if strings.Contains(stderr2.String(), "generated password") {
			t.Errorf("a restart printed a new admin password:\n%s", stderr2.String())
		}
		httpLogin(t, base, "admin", m[1])
		cancel()
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	})
}

func TestServeDemo(t *testing.T) {
	addr := freeAddr(t)
	vars := map[string]string{
		"CHANGEBOARD_ADDR":           addr,
		"CHANGEBOARD_DATABASE_URL":   "sqlite:" + filepath.Join(t.TempDir(), "demo.db"),
		"CHANGEBOARD_ADMIN_PASSWORD": "chosen-admin-password",
		"CHANGEBOARD_DEMO":           "true",
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stdout, stderr syncBuffer
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"serve"}, env(vars), strings.NewReader(""), &stdout, &stderr) }()
	base := "http://" + addr
	waitReady(t, base, done)
	if strings.Contains(stderr.String(), "generated password") {
		t.Error("a password was generated although CHANGEBOARD_ADMIN_PASSWORD was set")
	}
	httpLogin(t, base, "admin", "chosen-admin-password")
	httpLogin(t, base, "audrey.auditor", "changeboard-demo")
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

func TestServeErrAddressInUse(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	r := runCmd(t, map[string]string{
		"CHANGEBOARD_ADDR":         ln.Addr().String(),
		"CHANGEBOARD_DATABASE_URL": "sqlite:" + filepath.Join(t.TempDir(), "busy.db"),
	}, "", "serve")
	if r.err == nil || !strings.Contains(r.err.Error(), "address already in use") {
		t.Fatalf("err = %v, want address already in use", r.err)
	}
}

// httpLogin logs in over HTTP and returns the bearer token.
func httpLogin(t *testing.T, base, username, password string) string {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"username": username, "password": password})
	res, err := http.Post(base+"/api/v1/auth/login", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var out struct {
		AccessToken string `json:"access_token"`
		TokenType   string `json:"token_type"`
	}
	if err := json.NewDecoder(res.Body).Decode(&out); err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != http.StatusOK || out.AccessToken == "" || out.TokenType != "Bearer" {
		t.Fatalf("login %s: %d %+v", username, res.StatusCode, out)
	}
	return out.AccessToken
}

// getJSON GETs url with token and decodes a 200 answer into v.
func getJSON(t *testing.T, url, token string, v any) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d", url, res.StatusCode)
	}
	if err := json.NewDecoder(res.Body).Decode(v); err != nil {
		t.Fatal(err)
	}
}
