package audit

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
)

// CheckpointFile publishes checkpoints to a file outside the database, one
// JSON object a line, appended and synced; Verify reads it back, so that
// deleting checkpoints from the database together with the tail they cover
// is still detected. Point it at storage the database's administrators
// cannot rewrite (another host, a WORM mount) for the guarantee to hold
// against them.
type CheckpointFile struct {
	Path string
	mu   sync.Mutex
}

// Publish implements Publisher.
func (f *CheckpointFile) Publish(_ context.Context, c Checkpoint) error {
	b, err := json.Marshal(c)
	if err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := os.MkdirAll(filepath.Dir(f.Path), 0o700); err != nil {
		return err
	}
	out, err := os.OpenFile(f.Path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return err
	}
	if _, err := out.Write(append(b, '\n')); err != nil {
		_ = out.Close()
		return err
	}
	if err := out.Sync(); err != nil {
		_ = out.Close()
		return err
	}
	return out.Close()
}

// Published implements PublishedSource: every checkpoint in the file (none
// when it does not exist yet). A line that is not a checkpoint is an error:
// the file was tampered with.
func (f *CheckpointFile) Published(context.Context) ([]Checkpoint, error) {
	in, err := os.Open(f.Path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer in.Close()
	var out []Checkpoint
	sc := bufio.NewScanner(in)
	for n := 1; sc.Scan(); n++ {
		if len(sc.Bytes()) == 0 {
			continue
		}
		var c Checkpoint
		if err := json.Unmarshal(sc.Bytes(), &c); err != nil {
			return nil, fmt.Errorf("%s line %d: not a checkpoint: %w", f.Path, n, err)
		}
		out = append(out, c)
	}
	return out, sc.Err()
}
