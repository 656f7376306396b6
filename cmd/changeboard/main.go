// Command changeboard is the Changeboard service and its administration
// commands. main only wires: configuration → store → services → HTTP.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

const usage = `usage: changeboard <command> [flags]

commands:
  serve               run the service (migrates the database first)
  migrate up|status   apply or list the database migrations
  user create         create a user: --username, --roles, --display-name, --email;
                      the password is read from CHANGEBOARD_USER_PASSWORD or standard input
  audit verify        verify the audit chain against the signed checkpoints, then seal
                      what is waiting (exits 1 when it is broken): --public-key FILE pins the key
  audit checkpoint    seal, then sign and publish the chain's head now
  audit public-key    print the audit key's public key (PEM), to keep apart from the server
  audit export        stream the sealed trail as NDJSON or CSV with a signed manifest:
                      --from --to --entity-type --entity-id --actor --action --after-seq --format --out
  audit verify-export check an export offline: --public-key FILE EXPORT
  audit verify-evidence  check an RFC's evidence pack offline: --public-key FILE PACK.zip
  catalog import      import CSAF 2.0 advisories: FILE or DIR …, checked against a .sha512/.sha256 beside them
  agent report        send this machine's package inventory: --server URL --token T --ci NAME
  agent run           carry out this agent's deployment work: --server URL --token T [--once] [--dry-run]
  jobs list           list the stored jobs, dead ones by default: --state STATE --limit N
  version             print the version

configuration: CHANGEBOARD_* environment variables, see README.md
`

// errUsage marks a mistake in the command line.
var errUsage = errors.New("usage")

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		if !errors.Is(err, errUsage) {
			fmt.Fprintln(os.Stderr, "changeboard:", err)
		}
		os.Exit(1)
	}
}

// run is the whole program, testable without a process.
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return errUsage
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "serve":
		return serve(ctx, rest, getenv, stderr)
	case "migrate":
		return migrate(ctx, rest, getenv, stdout)
	case "user":
		return userCmd(ctx, rest, getenv, stdin, stdout, stderr)
	case "audit":
		return auditCmd(ctx, rest, getenv, stdout, stderr)
	case "catalog":
		return catalogCmd(ctx, rest, getenv, stdout, stderr)
	case "agent":
		return agentCmd(ctx, rest, getenv, stdout, stderr)
	case "jobs":
		return jobsCmd(ctx, rest, getenv, stdout, stderr)
	case "version":
		fmt.Fprintln(stdout, "changeboard", version)
		return nil
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprintf(stderr, "unknown command %q\n\n%s", cmd, usage)
	return errUsage
}
