package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestRunTLS: with --tls the fake serves https with a certificate it made at
// start and wrote to --tls-cert; a client that trusts that file gets its
// token, one that does not is refused by its own TLS check.
func TestRunTLS(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	certFile := filepath.Join(t.TempDir(), "mock.pem")
	var stdout, stderr syncBuffer
	code := make(chan int, 1)
	go func() {
		code <- run(ctx, []string{"--addr", "127.0.0.1:0", "-q", "--tls", "--tls-cert", certFile}, &stdout, &stderr)
	}()
	defer func() {
		cancel()
		if c := <-code; c != 0 {
			t.Errorf("run = %d; stderr:\n%s", c, stderr.String())
		}
	}()
	base := waitFor(t, &stdout, regexp.MustCompile(`chat page +(https://127\.0\.0\.1:\d+)/`))
	// The banner, TLS advice included, is one write: a reader that saw the
	// URL has seen the rest.
	if first := stdout.First(); !strings.Contains(first, "base URL       "+base) || !strings.Contains(first, "SSL_CERT_FILE="+certFile) {
		t.Errorf("the first write of the banner:\n%s", first)
	}
	pemBytes, err := os.ReadFile(certFile)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pemBytes) {
		t.Fatalf("%s holds no certificate:\n%s", certFile, pemBytes)
	}
	if strings.Contains(string(pemBytes), "PRIVATE KEY") {
		t.Error("the certificate file holds the private key")
	}
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {defaultClientID}, "client_secret": {defaultClientSecret}}
	trusting := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	for _, host := range []string{base, strings.Replace(base, "127.0.0.1", "localhost", 1)} {
		resp, err := trusting.PostForm(host+"/login/connect/token", form)
		if err != nil {
			t.Fatalf("token over https from %s: %v", host, err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("token over https from %s: %d", host, resp.StatusCode)
		}
	}
	if _, err := http.PostForm(base+"/login/connect/token", form); err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Errorf("a client that does not trust the certificate: %v, want a certificate error", err)
	}
}
