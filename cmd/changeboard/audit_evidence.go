package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/changeboard/changeboard/internal/evidence"
)

// auditVerifyEvidence checks an evidence pack offline.
func auditVerifyEvidence(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("audit verify-evidence", flag.ContinueOnError)
	fs.SetOutput(stderr)
	pub := fs.String("public-key", "", "PEM public key of the audit key")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return fmt.Errorf("%w: changeboard audit verify-evidence --public-key FILE PACK.zip", errUsage)
	}
	keys, err := readPublicKey(*pub)
	if err != nil {
		return err
	}
	f, err := os.Open(fs.Arg(0))
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	r, err := evidence.Verify(f, st.Size(), keys)
	if err != nil {
		return err
	}
	r.Manifest = nil
	b, _ := json.Marshal(r)
	fmt.Fprintln(stdout, string(b))
	if !r.OK {
		return fmt.Errorf("evidence pack does not verify: %s", r.Reason)
	}
	return nil
}
