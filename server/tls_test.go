package server

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"net"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"

	spellerv1 "github.com/spellwright/speller/proto/speller/v1"
)

// selfSigned returns a certificate for 127.0.0.1 and localhost, and a pool that trusts it.
func selfSigned(t *testing.T) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "speller test"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
		DNSNames:              []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: cert}, pool
}

// serveLoopback serves s on a real TCP port of loopback and returns its address.
func serveLoopback(t *testing.T, s *Server) string {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go s.Serve(lis)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		s.Shutdown(ctx)
	})
	return lis.Addr().String()
}

func TestLoopbackTLS(t *testing.T) {
	cert, pool := selfSigned(t)
	f := setup(t, "a", Options{}, nil) // for the model file
	s := New(Options{ModelPath: f.path, Logger: testLogger(),
		TLS: &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}})
	if err := s.Reload(); err != nil {
		t.Fatal(err)
	}
	addr := serveLoopback(t, s)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(credentials.NewClientTLSFromCert(pool, "")))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	resp, err := spellerv1.NewSpellerServiceClient(conn).Correct(ctx, &spellerv1.CorrectRequest{Query: "jewlery box"})
	if err != nil || resp.Correction != "jewelry box" {
		t.Fatalf("over TLS: %v %v", resp, err)
	}

	// A plaintext client cannot talk to it.
	plain, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer plain.Close()
	short, cancel2 := context.WithTimeout(ctx, time.Second)
	defer cancel2()
	if _, err := spellerv1.NewSpellerServiceClient(plain).Correct(short, &spellerv1.CorrectRequest{Query: "box"}); err == nil {
		t.Error("plaintext call to a TLS server succeeded")
	}
}

func TestLoopbackPlaintext(t *testing.T) {
	f := setup(t, "a", Options{}, nil)
	s := New(Options{ModelPath: f.path, Logger: testLogger()})
	if err := s.Reload(); err != nil {
		t.Fatal(err)
	}
	conn, err := grpc.NewClient(serveLoopback(t, s), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c := spellerv1.NewSpellerServiceClient(conn)
	if resp, err := c.Correct(ctx, &spellerv1.CorrectRequest{Query: "buttor dish"}); err != nil || resp.Correction != "butter dish" {
		t.Errorf("Correct: %v %v", resp, err)
	}
	if resp, err := c.GetModelInfo(ctx, &spellerv1.GetModelInfoRequest{}); err != nil || resp.Model.Version != testBundle(t, "a").Meta.Version {
		t.Errorf("GetModelInfo: %v %v", resp, err)
	}
}
