package main

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/open-telemetry/opamp-go/client"
	"github.com/open-telemetry/opamp-go/client/types"
	"github.com/open-telemetry/opamp-go/protobufs"
)

type options struct {
	endpoint            string
	headers             [][2]string
	instanceUID         string
	serviceName         string
	localConfigFile     string
	mergeLocal          bool
	acceptsConnSettings bool
	applyHeaders        bool
	csr                 bool
	caFile              string
	certFile            string
	keyFile             string
	stateDir            string
	heartbeatSeconds    int
}

type agent struct {
	opts       options
	uid        uuid.UUID
	local      []byte
	initialTLS *tls.Config
	headers    http.Header

	mu            sync.Mutex
	client        client.OpAMPClient
	tlsConfig     *tls.Config
	effective     []byte
	remoteStatus  *protobufs.RemoteConfigStatus
	csrKeyPEM     []byte
	csrSent       bool
	certsWritten  int
	lastOfferHash string
}

var stdoutMu sync.Mutex

// emit prints one event as a JSON line.
func emit(event string, fields map[string]any) {
	line := map[string]any{"event": event, "time": time.Now().UTC().Format(time.RFC3339Nano)}
	for k, v := range fields {
		line[k] = v
	}
	b, _ := json.Marshal(line)
	stdoutMu.Lock()
	defer stdoutMu.Unlock()
	fmt.Println(string(b))
}

func fingerprint(der []byte) string {
	sum := sha256.Sum256(der)
	return hex.EncodeToString(sum[:])
}

func newAgent(opts options) (*agent, error) {
	a := &agent{opts: opts, headers: http.Header{}}
	var err error
	if opts.instanceUID != "" {
		a.uid, err = uuid.Parse(opts.instanceUID)
	} else {
		a.uid, err = uuid.NewV7()
	}
	if err != nil {
		return nil, fmt.Errorf("instance uid: %w", err)
	}
	for _, h := range opts.headers {
		a.headers.Add(h[0], h[1])
	}
	if opts.localConfigFile != "" {
		if a.local, err = os.ReadFile(opts.localConfigFile); err != nil {
			return nil, err
		}
	}
	if a.effective, err = effectiveConfig(a.local, nil, opts.mergeLocal); err != nil {
		return nil, fmt.Errorf("local config: %w", err)
	}
	if a.initialTLS, err = a.baseTLS(); err != nil {
		return nil, err
	}
	return a, nil
}

// baseTLS is the TLS config from the flags: the CA to trust and, if given, a client certificate.
// Plain ws:// and http:// endpoints get none (opamp-go's client speaks TLS whenever it has one).
func (a *agent) baseTLS() (*tls.Config, error) {
	if !hasScheme(a.opts.endpoint, "wss") && !hasScheme(a.opts.endpoint, "https") {
		return nil, nil
	}
	cfg := &tls.Config{MinVersion: tls.VersionTLS12}
	if a.opts.caFile != "" {
		pem, err := os.ReadFile(a.opts.caFile)
		if err != nil {
			return nil, err
		}
		cfg.RootCAs = x509.NewCertPool()
		if !cfg.RootCAs.AppendCertsFromPEM(pem) {
			return nil, errors.New("no certificate in -ca")
		}
	}
	if a.opts.certFile != "" {
		cert, err := tls.LoadX509KeyPair(a.opts.certFile, a.opts.keyFile)
		if err != nil {
			return nil, err
		}
		cfg.Certificates = []tls.Certificate{cert}
	}
	return cfg, nil
}

func (a *agent) capabilities() protobufs.AgentCapabilities {
	c := protobufs.AgentCapabilities_AgentCapabilities_ReportsStatus |
		protobufs.AgentCapabilities_AgentCapabilities_AcceptsRemoteConfig |
		protobufs.AgentCapabilities_AgentCapabilities_ReportsRemoteConfig |
		protobufs.AgentCapabilities_AgentCapabilities_ReportsEffectiveConfig |
		protobufs.AgentCapabilities_AgentCapabilities_ReportsHeartbeat |
		protobufs.AgentCapabilities_AgentCapabilities_ReportsConnectionSettingsStatus
	if a.opts.acceptsConnSettings {
		c |= protobufs.AgentCapabilities_AgentCapabilities_AcceptsOpAMPConnectionSettings
	}
	return c
}

func stringValue(s string) *protobufs.AnyValue {
	return &protobufs.AnyValue{Value: &protobufs.AnyValue_StringValue{StringValue: s}}
}

// connect starts a new OpAMP client with the given TLS config and headers.
func (a *agent) connect(tlsConfig *tls.Config, headers http.Header) error {
	var c client.OpAMPClient
	logger := &eventLogger{}
	switch {
	case hasScheme(a.opts.endpoint, "ws"), hasScheme(a.opts.endpoint, "wss"):
		c = client.NewWebSocket(logger)
	default:
		c = client.NewHTTP(logger)
	}
	hostname, _ := os.Hostname()
	if err := c.SetAgentDescription(&protobufs.AgentDescription{
		IdentifyingAttributes: []*protobufs.KeyValue{
			{Key: "service.name", Value: stringValue(a.opts.serviceName)},
			{Key: "service.instance.id", Value: stringValue(a.uid.String())},
		},
		NonIdentifyingAttributes: []*protobufs.KeyValue{
			{Key: "host.name", Value: stringValue(hostname)},
			{Key: "agent.implementation", Value: stringValue("ampgate-goagent (opamp-go client)")},
		},
	}); err != nil {
		return err
	}
	caps := a.capabilities()
	if err := c.SetCapabilities(&caps); err != nil {
		return err
	}
	a.mu.Lock()
	if a.opts.csr && !a.csrSent && (tlsConfig == nil || len(tlsConfig.Certificates) == 0) {
		if err := a.requestCertificate(c); err != nil {
			a.mu.Unlock()
			return err
		}
	}
	status := a.remoteStatus
	a.mu.Unlock()
	hb := time.Duration(a.opts.heartbeatSeconds) * time.Second
	settings := types.StartSettings{
		OpAMPServerURL:     a.opts.endpoint,
		Header:             headers.Clone(),
		TLSConfig:          tlsConfig,
		InstanceUid:        types.InstanceUid(a.uid),
		RemoteConfigStatus: status,
		HeartbeatInterval:  &hb,
		Callbacks: types.Callbacks{
			OnConnect: func(context.Context) {
				emit("connected", map[string]any{"client_cert": certFingerprintOf(tlsConfig)})
			},
			OnConnectFailed: func(_ context.Context, err error) {
				emit("connect_failed", map[string]any{"error": err.Error(), "client_cert": certFingerprintOf(tlsConfig)})
			},
			OnError: func(_ context.Context, err *protobufs.ServerErrorResponse) {
				emit("server_error", map[string]any{"message": err.ErrorMessage})
			},
			OnMessage: a.onMessage,
			GetEffectiveConfig: func(context.Context) (*protobufs.EffectiveConfig, error) {
				a.mu.Lock()
				defer a.mu.Unlock()
				return &protobufs.EffectiveConfig{ConfigMap: &protobufs.AgentConfigMap{ConfigMap: map[string]*protobufs.AgentConfigFile{
					"": {Body: a.effective, ContentType: "text/yaml"},
				}}}, nil
			},
			SaveRemoteConfigStatus: func(_ context.Context, s *protobufs.RemoteConfigStatus) {
				a.mu.Lock()
				a.remoteStatus = s
				a.mu.Unlock()
			},
			OnOpampConnectionSettings: a.onConnectionSettings,
		},
	}
	if err := c.Start(context.Background(), settings); err != nil {
		return err
	}
	a.mu.Lock()
	a.client = c
	a.tlsConfig = tlsConfig
	a.headers = headers
	a.mu.Unlock()
	return nil
}

func (a *agent) stop(ctx context.Context) {
	a.mu.Lock()
	c := a.client
	a.mu.Unlock()
	if c != nil {
		_ = c.Stop(ctx)
	}
}

func (a *agent) onMessage(ctx context.Context, msg *types.MessageData) {
	if msg.RemoteConfig == nil {
		return
	}
	rc := msg.RemoteConfig
	a.mu.Lock()
	c := a.client
	next, err := effectiveConfig(a.local, rc.GetConfig(), a.opts.mergeLocal)
	status := &protobufs.RemoteConfigStatus{LastRemoteConfigHash: rc.ConfigHash}
	changed := false
	if err != nil {
		status.Status = protobufs.RemoteConfigStatuses_RemoteConfigStatuses_FAILED
		status.ErrorMessage = err.Error()
	} else {
		status.Status = protobufs.RemoteConfigStatuses_RemoteConfigStatuses_APPLIED
		changed = string(next) != string(a.effective)
		a.effective = next
	}
	a.mu.Unlock()
	emit("remote_config", map[string]any{"hash": hex.EncodeToString(rc.ConfigHash), "status": status.Status.String(), "error": status.ErrorMessage, "merged_onto_local": a.opts.mergeLocal && len(a.local) > 0})
	if c == nil {
		return
	}
	if changed {
		if err := c.UpdateEffectiveConfig(ctx); err != nil {
			emit("error", map[string]any{"error": err.Error()})
		}
	}
	if err := c.SetRemoteConfigStatus(status); err != nil {
		emit("error", map[string]any{"error": err.Error()})
	}
}

func hasScheme(url, scheme string) bool {
	return len(url) > len(scheme)+3 && url[:len(scheme)+3] == scheme+"://"
}

func certFingerprintOf(cfg *tls.Config) string {
	if cfg == nil || len(cfg.Certificates) == 0 || len(cfg.Certificates[0].Certificate) == 0 {
		return ""
	}
	return fingerprint(cfg.Certificates[0].Certificate[0])
}

// saveCert writes a certificate and key the agent is about to use, numbered, for the tests.
func (a *agent) saveCert(certPEM, keyPEM []byte) {
	if a.opts.stateDir == "" {
		return
	}
	a.certsWritten++
	n := a.certsWritten
	_ = os.MkdirAll(a.opts.stateDir, 0o700)
	_ = os.WriteFile(filepath.Join(a.opts.stateDir, fmt.Sprintf("cert-%d.pem", n)), certPEM, 0o600)
	_ = os.WriteFile(filepath.Join(a.opts.stateDir, fmt.Sprintf("key-%d.pem", n)), keyPEM, 0o600)
}

type eventLogger struct{}

func (*eventLogger) Debugf(context.Context, string, ...any) {}
func (*eventLogger) Errorf(_ context.Context, format string, v ...any) {
	emit("client_error", map[string]any{"message": fmt.Sprintf(format, v...)})
}
