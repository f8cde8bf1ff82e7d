package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"net/http"

	"github.com/open-telemetry/opamp-go/client"
	"github.com/open-telemetry/opamp-go/protobufs"
)

// requestCertificate generates a key pair and asks the server to sign a CSR for it (OpAMP spec,
// Connection Settings Management: agent-initiated CSR flow). Called with a.mu held.
func (a *agent) requestCertificate(c client.OpAMPClient) error {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	der, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return err
	}
	csr, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{Subject: pkix.Name{CommonName: a.uid.String()}}, key)
	if err != nil {
		return err
	}
	a.csrKeyPEM = pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: der})
	req := &protobufs.ConnectionSettingsRequest{Opamp: &protobufs.OpAMPConnectionSettingsRequest{
		CertificateRequest: &protobufs.CertificateRequest{Csr: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: csr})},
	}}
	if err := c.RequestConnectionSettings(req); err != nil {
		return err
	}
	a.csrSent = true
	emit("csr_sent", nil)
	return nil
}

// onConnectionSettings applies an offer the way opamp-go's example agent does: reconnect with the
// offered certificate (and, with -apply-headers, the offered headers); if starting the new client
// fails, go back to the old settings.
func (a *agent) onConnectionSettings(ctx context.Context, s *protobufs.OpAMPConnectionSettings) error {
	if s == nil {
		return nil
	}
	a.mu.Lock()
	oldTLS, oldHeaders := a.tlsConfig, a.headers
	csrKey := a.csrKeyPEM
	a.mu.Unlock()

	nextTLS := oldTLS.Clone()
	if nextTLS == nil && s.Certificate != nil {
		nextTLS = &tls.Config{MinVersion: tls.VersionTLS12}
	}
	fields := map[string]any{"endpoint": s.DestinationEndpoint, "has_certificate": s.Certificate != nil, "header_names": headerNames(s.Headers)}
	if cert := s.Certificate; cert != nil && len(cert.Cert) > 0 {
		keyPEM := cert.PrivateKey
		if len(keyPEM) == 0 {
			keyPEM = csrKey
		}
		if len(keyPEM) == 0 {
			emit("offer_rejected", map[string]any{"error": "certificate offered without a private key and no CSR key"})
			return errors.New("certificate offered without a private key")
		}
		pair, err := tls.X509KeyPair(cert.Cert, keyPEM)
		if err != nil {
			emit("offer_rejected", map[string]any{"error": err.Error()})
			return err
		}
		if len(cert.CaCert) > 0 {
			pool := x509.NewCertPool()
			if nextTLS != nil && nextTLS.RootCAs != nil {
				pool = nextTLS.RootCAs.Clone()
			}
			pool.AppendCertsFromPEM(cert.CaCert)
			nextTLS.RootCAs = pool
		}
		nextTLS.Certificates = []tls.Certificate{pair}
		a.mu.Lock()
		a.saveCert(cert.Cert, keyPEM)
		a.mu.Unlock()
		fields["client_cert"] = fingerprint(pair.Certificate[0])
	}
	nextHeaders := oldHeaders
	if a.opts.applyHeaders && s.Headers != nil {
		nextHeaders = http.Header{}
		for _, h := range s.Headers.Headers {
			nextHeaders.Add(h.Key, h.Value)
		}
	}
	fields["headers_applied"] = a.opts.applyHeaders && s.Headers != nil
	emit("connection_settings", fields)
	go a.reconnect(ctx, oldTLS, oldHeaders, nextTLS, nextHeaders)
	return nil
}

func (a *agent) reconnect(ctx context.Context, oldTLS *tls.Config, oldHeaders http.Header, nextTLS *tls.Config, nextHeaders http.Header) {
	a.stop(ctx)
	if err := a.connect(nextTLS, nextHeaders); err != nil {
		emit("reconnect_failed", map[string]any{"error": err.Error()})
		_ = a.connect(oldTLS, oldHeaders)
		return
	}
	emit("reconnected", map[string]any{"client_cert": certFingerprintOf(nextTLS)})
}

func headerNames(h *protobufs.Headers) []string {
	if h == nil {
		return nil
	}
	out := []string{}
	for _, x := range h.Headers {
		out = append(out, x.Key)
	}
	return out
}
