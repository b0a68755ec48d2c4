package datafoldtest_test

import (
	"fmt"
	"runtime"
	"strings"
	"testing"

	datafold "github.com/datafold/datafold-go"
	"github.com/datafold/datafold-go/datafoldtest"
)

// fatalRecorder is the t of a test whose t.Fatalf is itself under test.
type fatalRecorder struct {
	testing.TB
	msg string
}

func (r *fatalRecorder) Fatalf(format string, args ...any) {
	r.msg = fmt.Sprintf(format, args...)
	runtime.Goexit()
}

// An invalid option to Server.Client is a mistake in the test: it fails
// that test, with the option's error, instead of panicking.
func TestServer_ClientFailsTheTest(t *testing.T) {
	t.Parallel()
	rec := &fatalRecorder{TB: t}
	srv := datafoldtest.NewServer(rec)
	done := make(chan struct{})
	go func() {
		defer close(done)
		srv.Client(datafold.WithServer(""))
		t.Error("Client returned after an invalid option")
	}()
	<-done
	if !strings.Contains(rec.msg, "WithServer was given an empty server") {
		t.Errorf("Fatalf got %q, want the option's error", rec.msg)
	}
}
