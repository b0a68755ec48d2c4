package datafold_test

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
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	datafold "github.com/datafold/datafold-go"
	"github.com/datafold/datafold-go/api"
)

// pipeHost is the name pipe servers answer to; nothing resolves it, the
// client's dialer hands over a net.Pipe instead.
const pipeHost = "localhost"

// pipeServer serves h over in-memory connections, so a test can run inside
// a testing/synctest bubble, where time is fake and waits take none (a
// loopback socket's blocked I/O would keep the bubble from going idle). A
// frozen connection drops everything both ways, as a network path that
// black-holes traffic does, while new connections work.
type pipeServer struct {
	URL   string
	roots *x509.CertPool
	srv   *http.Server
	conns chan net.Conn
	done  chan struct{}
	once  sync.Once

	mu       sync.Mutex
	live     []*freezable
	accepted atomic.Int64
}

// startPipeServer serves h as proto: "h1" (plain HTTP/1.1), "h1+tls" or
// "h2" (HTTP/2 over TLS). It must be called inside the bubble that uses
// it, and is shut down by t.Cleanup.
func startPipeServer(t *testing.T, proto string, h http.Handler) *pipeServer {
	t.Helper()
	ps := &pipeServer{conns: make(chan net.Conn), done: make(chan struct{}),
		srv: &http.Server{Handler: h, ErrorLog: discardLog()}}
	ps.URL = "http://" + pipeHost
	if proto != "h1" {
		cert, roots := pipeCert()
		ps.roots, ps.URL = roots, "https://"+pipeHost
		ps.srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}}
		ps.srv.Protocols = new(http.Protocols)
		ps.srv.Protocols.SetHTTP1(proto == "h1+tls")
		ps.srv.Protocols.SetHTTP2(proto == "h2")
	}
	served := make(chan struct{})
	go func() {
		defer close(served)
		if ps.roots != nil {
			_ = ps.srv.ServeTLS(ps, "", "")
		} else {
			_ = ps.srv.Serve(ps)
		}
	}()
	t.Cleanup(func() {
		_ = ps.srv.Close()
		<-served
	})
	return ps
}

// client is a client of ps through the default pool's design, with opts.
func (ps *pipeServer) client(t *testing.T, stall time.Duration, opts ...datafold.Option) *api.ClientWithResponses {
	t.Helper()
	c, err := datafold.NewClient(append([]datafold.Option{
		datafold.WithServer(ps.URL), datafold.WithAPIKey(testKey),
		datafold.WithTestPool(datafold.TestPool{Stall: stall, Roots: ps.roots, Dial: ps.dial}),
	}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		c.ClientInterface.(*api.Client).Client.(interface{ CloseIdleConnections() }).CloseIdleConnections()
	})
	return c
}

func (ps *pipeServer) dial(ctx context.Context, _, _ string) (net.Conn, error) {
	client, server := net.Pipe()
	select {
	case ps.conns <- server:
		return client, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-ps.done:
		return nil, net.ErrClosed
	}
}

// Accept, Close and Addr make ps the server's listener.
func (ps *pipeServer) Accept() (net.Conn, error) {
	select {
	case c := <-ps.conns:
		f := &freezable{Conn: c}
		ps.mu.Lock()
		ps.live = append(ps.live, f)
		ps.mu.Unlock()
		ps.accepted.Add(1)
		return f, nil
	case <-ps.done:
		return nil, net.ErrClosed
	}
}

func (ps *pipeServer) Close() error { ps.once.Do(func() { close(ps.done) }); return nil }

func (ps *pipeServer) Addr() net.Addr { return pipeAddr{} }

// freeze black-holes every connection open now.
func (ps *pipeServer) freeze() {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	for _, c := range ps.live {
		c.frozen.Store(true)
	}
}

// frozenClosed reports whether the client has closed a frozen connection.
func (ps *pipeServer) frozenClosed() bool {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	for _, c := range ps.live {
		if c.frozen.Load() && c.peerGone.Load() {
			return true
		}
	}
	return false
}

type pipeAddr struct{}

func (pipeAddr) Network() string { return "pipe" }
func (pipeAddr) String() string  { return pipeHost }

// freezable is the server's end of a connection; once frozen it reads and
// drops what the client sends, and sends nothing.
type freezable struct {
	net.Conn
	frozen   atomic.Bool
	peerGone atomic.Bool
}

func (c *freezable) Read(p []byte) (int, error) {
	for {
		n, err := c.Conn.Read(p)
		if err != nil {
			c.peerGone.Store(true)
			return n, err
		}
		if !c.frozen.Load() {
			return n, nil
		}
	}
}

func (c *freezable) Write(p []byte) (int, error) {
	if c.frozen.Load() {
		return len(p), nil
	}
	return c.Conn.Write(p)
}

// pipeCert is a certificate for pipeHost and a pool that trusts it, made
// once per test binary.
var pipeCert = sync.OnceValues(func() (tls.Certificate, *x509.CertPool) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		panic(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: pipeHost},
		DNSNames:     []string{pipeHost},
		NotBefore:    time.Unix(0, 0),
		NotAfter:     time.Date(2099, 1, 1, 0, 0, 0, 0, time.UTC),
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IsCA:         true, BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		panic(err)
	}
	leaf, _ := x509.ParseCertificate(der)
	roots := x509.NewCertPool()
	roots.AddCert(leaf)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, roots
})
