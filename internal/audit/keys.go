package audit

import (
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Keys is the audit trail's key material, kept outside the database: an
// Ed25519 key that signs checkpoints, export manifests and evidence packs,
// and a MAC key derived from it that the sealer puts on every seal, so that
// recomputing the (plain SHA-256) chain after an edit is detected at the
// first rewritten link. A verifier holding only the public key checks
// signatures but not seal MACs.
type Keys struct {
	pub  ed25519.PublicKey
	priv ed25519.PrivateKey
	mac  []byte
}

// NewKeys returns the keys of an Ed25519 private key.
func NewKeys(priv ed25519.PrivateKey) *Keys {
	mac := sha256.Sum256(append([]byte("changeboard audit seal mac v1|"), priv.Seed()...))
	return &Keys{pub: priv.Public().(ed25519.PublicKey), priv: priv, mac: mac[:]}
}

// PublicKeys returns keys that only verify signatures.
func PublicKeys(pub ed25519.PublicKey) *Keys { return &Keys{pub: pub} }

// GenerateKeys makes a fresh key.
func GenerateKeys() (*Keys, error) {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	return NewKeys(priv), nil
}

// CanSign reports whether k holds the private key.
func (k *Keys) CanSign() bool { return k != nil && k.priv != nil }

// KeyID names the public key: the first 16 hex digits of its SHA-256.
func (k *Keys) KeyID() string {
	sum := sha256.Sum256(k.pub)
	return hex.EncodeToString(sum[:8])
}

// PublicKey returns the Ed25519 public key.
func (k *Keys) PublicKey() ed25519.PublicKey { return k.pub }

// PublicKeyPEM returns the public key as a PEM "PUBLIC KEY" block (PKIX),
// readable by openssl.
func (k *Keys) PublicKeyPEM() []byte {
	der, _ := x509.MarshalPKIXPublicKey(k.pub)
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
}

// Sign signs msg; it panics without the private key (CanSign is false).
func (k *Keys) Sign(msg []byte) string {
	return base64.StdEncoding.EncodeToString(ed25519.Sign(k.priv, msg))
}

// VerifySignature checks a signature made by Sign.
func (k *Keys) VerifySignature(msg []byte, sig string) bool {
	b, err := base64.StdEncoding.DecodeString(sig)
	return err == nil && len(b) == ed25519.SignatureSize && ed25519.Verify(k.pub, msg, b)
}

// SealMAC is the MAC of one link; "" without the private key.
func (k *Keys) SealMAC(seq int64, hash string) string {
	if !k.CanSign() {
		return ""
	}
	m := hmac.New(sha256.New, k.mac)
	m.Write([]byte(strconv.FormatInt(seq, 10) + "|" + hash))
	return hex.EncodeToString(m.Sum(nil))
}

// ParsePublicKeyPEM reads a PEM "PUBLIC KEY" block holding an Ed25519 key.
func ParsePublicKeyPEM(b []byte) (*Keys, error) {
	block, _ := pem.Decode(b)
	if block == nil || block.Type != "PUBLIC KEY" {
		return nil, errors.New("not a PEM PUBLIC KEY block")
	}
	k, err := x509.ParsePKIXPublicKey(block.Bytes)
	if err != nil {
		return nil, err
	}
	pub, ok := k.(ed25519.PublicKey)
	if !ok {
		return nil, errors.New("not an Ed25519 public key")
	}
	return PublicKeys(pub), nil
}

// LoadKeyFile reads the private key at path (PEM "PRIVATE KEY", PKCS #8).
func LoadKeyFile(path string) (*Keys, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	block, _ := pem.Decode(b)
	if block == nil || block.Type != "PRIVATE KEY" {
		return nil, fmt.Errorf("%s: not a PEM PRIVATE KEY block", path)
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	priv, ok := k.(ed25519.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("%s: not an Ed25519 key", path)
	}
	return NewKeys(priv), nil
}

// LoadOrCreateKeyFile reads the key at path, or generates one there (mode
// 0600, folder 0700) when the file does not exist; created says which.
func LoadOrCreateKeyFile(path string) (k *Keys, created bool, err error) {
	k, err = LoadKeyFile(path)
	if err == nil || !errors.Is(err, os.ErrNotExist) {
		return k, false, err
	}
	if k, err = GenerateKeys(); err != nil {
		return nil, false, err
	}
	der, err := x509.MarshalPKCS8PrivateKey(k.priv)
	if err != nil {
		return nil, false, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, false, err
	}
	// O_EXCL: two processes starting at once must not each write a key.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, os.ErrExist) {
		k, err = LoadKeyFile(path)
		return k, false, err
	}
	if err != nil {
		return nil, false, err
	}
	if err := pem.Encode(f, &pem.Block{Type: "PRIVATE KEY", Bytes: der}); err != nil {
		_ = f.Close()
		return nil, false, err
	}
	if err := f.Sync(); err != nil {
		_ = f.Close()
		return nil, false, err
	}
	return k, true, f.Close()
}

// Checkpoint is a signed statement of the chain's head: at SignedAt the
// chain had Seq links and the last one's hash was HeadHash.
type Checkpoint struct {
	ID        int64     `json:"id,omitempty"`
	Seq       int64     `json:"seq"`
	HeadHash  string    `json:"head_hash"`
	SignedAt  time.Time `json:"signed_at"`
	KeyID     string    `json:"key_id"`
	Signature string    `json:"signature"`
}

// message is what a checkpoint's signature covers.
func (c Checkpoint) message() []byte {
	return []byte(strings.Join([]string{"changeboard audit checkpoint v1",
		strconv.FormatInt(c.Seq, 10), c.HeadHash, c.SignedAt.UTC().Format(time.RFC3339Nano), c.KeyID}, "\n"))
}

// SignCheckpoint signs the head (seq, hash) at time at.
func (k *Keys) SignCheckpoint(seq int64, hash string, at time.Time) Checkpoint {
	c := Checkpoint{Seq: seq, HeadHash: hash, SignedAt: at.UTC().Truncate(time.Microsecond), KeyID: k.KeyID()}
	c.Signature = k.Sign(c.message())
	return c
}

// VerifyCheckpoint reports why c is not a checkpoint signed by k, or nil.
func (k *Keys) VerifyCheckpoint(c Checkpoint) error {
	if c.KeyID != k.KeyID() {
		return fmt.Errorf("checkpoint at sequence %d is signed by key %s, not by the audit key %s", c.Seq, c.KeyID, k.KeyID())
	}
	if !k.VerifySignature(c.message(), c.Signature) {
		return fmt.Errorf("checkpoint at sequence %d has an invalid signature: it was forged or altered", c.Seq)
	}
	return nil
}
