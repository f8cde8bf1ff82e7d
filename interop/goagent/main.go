// Command ampgate-goagent is the interop suite's own OpAMP agent, written on opamp-go's client
// module. It stands in for opamp-go's example agent (internal/examples/agent), which lives in a
// module the Go module proxy does not serve, and reproduces the behaviours of it that the suite
// exercises:
//
//   - remote config is merged onto a local config (maps merged key by key, everything else
//     replaced), and the merge is reported as the effective config (-merge-local);
//   - a client certificate is requested by CSR on start (-csr) and used on the next connection;
//   - offered OpAMP connection settings: the certificate (with the key from the CSR, or the
//     offered key) is applied by reconnecting, like the example agent; offered headers are
//     ignored like the example agent does, unless -apply-headers is set.
//
// It prints one JSON object per line on stdout for the tests (events, never secrets), and writes
// the client certificates it used to -state-dir so a test can try an old one again.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"
)

type headerFlags []string

func (h *headerFlags) String() string     { return strings.Join(*h, ",") }
func (h *headerFlags) Set(v string) error { *h = append(*h, v); return nil }

func main() {
	var opts options
	var headers headerFlags
	flag.StringVar(&opts.endpoint, "endpoint", "", "OpAMP server URL (ws://, wss://, http://, https://)")
	flag.Var(&headers, "header", "request header Name=Value (repeatable)")
	flag.StringVar(&opts.instanceUID, "instance-uid", "", "instance uid (UUID); random UUIDv7 when empty")
	flag.StringVar(&opts.serviceName, "service-name", "ampgate-goagent", "service.name identifying attribute")
	flag.StringVar(&opts.localConfigFile, "local-config", "", "local config (YAML); the effective config starts from it")
	flag.BoolVar(&opts.mergeLocal, "merge-local", false, "merge remote config onto the local config (opamp-go example agent behaviour) instead of replacing it")
	flag.BoolVar(&opts.acceptsConnSettings, "accepts-conn-settings", true, "advertise AcceptsOpAMPConnectionSettings")
	flag.BoolVar(&opts.applyHeaders, "apply-headers", false, "apply offered headers on reconnect (the example agent ignores them)")
	flag.BoolVar(&opts.csr, "csr", false, "request a client certificate with a CSR on start")
	flag.StringVar(&opts.caFile, "ca", "", "CA bundle (PEM) to verify the server")
	flag.StringVar(&opts.certFile, "cert", "", "client certificate (PEM)")
	flag.StringVar(&opts.keyFile, "key", "", "client private key (PEM)")
	flag.StringVar(&opts.stateDir, "state-dir", "", "directory for the client certificates used (cert-N.pem, key-N.pem)")
	flag.IntVar(&opts.heartbeatSeconds, "heartbeat", 30, "heartbeat interval in seconds")
	flag.Parse()
	if opts.endpoint == "" {
		fmt.Fprintln(os.Stderr, "-endpoint is required")
		os.Exit(2)
	}
	for _, h := range headers {
		name, value, ok := strings.Cut(h, "=")
		if !ok {
			fmt.Fprintf(os.Stderr, "bad -header %q: want Name=Value\n", h)
			os.Exit(2)
		}
		opts.headers = append(opts.headers, [2]string{name, value})
	}

	a, err := newAgent(opts)
	if err != nil {
		emit("fatal", map[string]any{"error": err.Error()})
		os.Exit(1)
	}
	if err := a.connect(a.initialTLS, a.headers); err != nil {
		emit("fatal", map[string]any{"error": err.Error()})
		os.Exit(1)
	}
	emit("started", map[string]any{"instance_uid": a.uid.String()})

	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
	<-sig
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	a.stop(ctx)
	emit("stopped", nil)
}
