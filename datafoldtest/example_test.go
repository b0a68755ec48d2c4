package datafoldtest_test

import (
	"context"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"

	datafold "github.com/datafold/datafold-go"
	"github.com/datafold/datafold-go/datafoldtest"
)

// start serves h as a [datafoldtest.Server]. In a test, NewServer(t, ...)
// does this and shuts it down in t.Cleanup; examples have no t.
func start(opts ...datafoldtest.Option) (*datafoldtest.Server, func()) {
	h, err := datafoldtest.NewHandler(opts...)
	if err != nil {
		log.Fatal(err)
	}
	ts := httptest.NewServer(h)
	return &datafoldtest.Server{Handler: h, URL: ts.URL}, ts.Close
}

// A ready client for the fake, and what the fake saw.
func ExampleServer_Client() {
	srv, stop := start(datafoldtest.WithIntegrations(42, 43))
	defer stop()

	c := srv.Client() // datafold.NewClient with the fake's URL and key
	_, err := datafold.Check(c.RemoveIntegrationWithResponse(context.Background(), 42))
	fmt.Println(err, srv.Integrations())
	r := srv.Requests()[0]
	fmt.Println(r.Method, r.Path, r.KeyMatched, r.Header.Get("Authorization"), r.Status)
	// Output:
	// <nil> [43]
	// DELETE /api/v1/lineage/bi/42/ true Key [REDACTED] 200
}

// WithOperation answers an operation your way, after the fake has checked
// the key and the request against the OpenAPI document: here, as FastAPI
// does for HTTPException(409, ...).
func ExampleWithOperation() {
	srv, stop := start(datafoldtest.WithOperation("RemoveIntegration", http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusConflict)
		_, _ = io.WriteString(w, `{"detail": "Integration is being synced"}`)
	})))
	defer stop()

	_, err := datafold.Check(srv.Client().RemoveIntegrationWithResponse(context.Background(), 42))
	fmt.Println(err)
	// Output: datafold: DELETE /api/v1/lineage/bi/42/: 409 Conflict: Integration is being synced
}

// FailNext makes the next answers fail, to test retries: the client retries
// a 503 and gets through on the third attempt.
func ExampleHandler_FailNext() {
	srv, stop := start(datafoldtest.WithIntegrations(42))
	defer stop()

	srv.FailNext(2, http.StatusServiceUnavailable, "0")
	_, err := datafold.Check(srv.Client().RemoveIntegrationWithResponse(context.Background(), 42))
	for _, r := range srv.Requests() {
		fmt.Println(r.Status)
	}
	fmt.Println(err)
	// Output:
	// 503
	// 503
	// 200
	// <nil>
}
