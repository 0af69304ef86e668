package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"time"
)

// defaultCertFile is where --tls writes the certificate when --tls-cert is
// not given.
func defaultCertFile() string { return filepath.Join(os.TempDir(), "mluvii-mock-cert.pem") }

// selfSigned makes a certificate for the listener's host, the loopback names
// and the --allow-host names, valid for a week, and writes it as PEM to
// certFile (mode 0644: it is public) for the bot to trust. The private key
// never leaves the process.
func selfSigned(ln net.Addr, allowHosts []string, certFile string) (tls.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 120))
	if err != nil {
		return tls.Certificate{}, err
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{Organization: []string{"mluvii-mock"}, CommonName: "mluvii-mock"},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(7 * 24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true, // self-signed: trusting it makes it a root
		DNSNames:              []string{"localhost"},
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
	}
	hosts := append([]string{hostName(ln.String())}, allowHosts...)
	for _, h := range hosts {
		h = hostName(h)
		if ip := net.ParseIP(h); ip != nil {
			if !ip.IsUnspecified() && !ip.IsLoopback() {
				tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
			}
		} else if h != "" && h != "localhost" {
			tmpl.DNSNames = append(tmpl.DNSNames, h)
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, err
	}
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	if err := replaceFile(certFile, certPEM); err != nil {
		return tls.Certificate{}, fmt.Errorf("--tls-cert: %w", err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, nil
}

// replaceFile puts b in a new file of mode 0644 at path, by renaming a file
// written beside it: whatever was at path (a symlink or a world-writable file
// planted in the shared temp dir, where --tls-cert defaults) is replaced, not
// written through, and the bot's trust anchor is writable by its owner only.
// In a sticky directory (/tmp) a file another user planted cannot be
// replaced: the rename fails, and so does --tls.
func replaceFile(path string, b []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), ".mluvii-mock-cert-*")
	if err != nil {
		return err
	}
	_, err = f.Write(b)
	if err == nil {
		err = f.Chmod(0o644)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	if err != nil {
		_ = os.Remove(f.Name())
	}
	return err
}
