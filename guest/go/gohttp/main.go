// gohttp: net/http over an AF_UNIX socket — a server with handlers and a client making
// concurrent requests on keep-alive connections, a request that times out, a streamed response,
// a graceful shutdown — with deterministic output.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"sort"
	"strings"
	"sync"
	"time"
)

func check(what string, err error) {
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", what, err)
		os.Exit(1)
	}
}

func main() {
	const sock = "gohttp.sock"
	os.Remove(sock)
	ln, err := net.Listen("unix", sock)
	check("listen", err)
	defer os.Remove(sock)

	mux := http.NewServeMux()
	mux.HandleFunc("/square", func(w http.ResponseWriter, r *http.Request) {
		var n int
		fmt.Sscan(r.URL.Query().Get("n"), &n)
		w.Header().Set("X-Square", fmt.Sprint(n*n))
		fmt.Fprintf(w, "%d squared is %d\n", n, n*n)
	})
	mux.HandleFunc("/echo", func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		w.Header().Set("Content-Type", "text/plain")
		fmt.Fprintf(w, "%s %d bytes: %s", r.Method, len(b), strings.ToUpper(string(b)))
	})
	mux.HandleFunc("/slow", func(w http.ResponseWriter, r *http.Request) {
		// (at most 2 s, within the shutdown's 5: when the server has not yet seen the client's
		// cancelled request go away, the shutdown waits for this handler — qemu-riscv64 on a busy
		// machine once missed the 5 s that way)
		select {
		case <-time.After(2 * time.Second):
			fmt.Fprintln(w, "slow answer")
		case <-r.Context().Done():
		}
	})
	mux.HandleFunc("/stream", func(w http.ResponseWriter, r *http.Request) {
		f := w.(http.Flusher)
		for i := 0; i < 5; i++ {
			fmt.Fprintf(w, "chunk %d\n", i)
			f.Flush()
			time.Sleep(time.Millisecond)
		}
	})
	srv := &http.Server{Handler: mux}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()

	tr := &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "unix", sock)
		},
		MaxIdleConnsPerHost: 4,
	}
	client := &http.Client{Transport: tr}

	// concurrent requests
	var wg sync.WaitGroup
	results := make([]string, 20)
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			resp, err := client.Get(fmt.Sprintf("http://unix/square?n=%d", i))
			check("get", err)
			defer resp.Body.Close()
			b, err := io.ReadAll(resp.Body)
			check("read body", err)
			results[i] = fmt.Sprintf("%d %s %s", resp.StatusCode, resp.Header.Get("X-Square"), strings.TrimSpace(string(b)))
		}(i)
	}
	wg.Wait()
	for _, r := range results {
		fmt.Println("square:", r)
	}

	resp, err := client.Post("http://unix/echo", "text/plain", strings.NewReader("hello over a unix socket"))
	check("post", err)
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	fmt.Printf("echo: %d %s %q\n", resp.StatusCode, resp.Header.Get("Content-Type"), b)

	resp, err = client.Get("http://unix/nowhere")
	check("get 404", err)
	resp.Body.Close()
	fmt.Printf("nowhere: %d\n", resp.StatusCode)

	resp, err = client.Get("http://unix/stream")
	check("stream", err)
	b, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	fmt.Printf("stream: %q, chunked %v\n", b, len(resp.TransferEncoding) > 0 && resp.TransferEncoding[0] == "chunked")

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	req, _ := http.NewRequestWithContext(ctx, "GET", "http://unix/slow", nil)
	_, err = client.Do(req)
	cancel()
	fmt.Printf("slow: timed out %v\n", errors.Is(err, context.DeadlineExceeded))

	keys := []string{}
	for k := range resp.Header {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	fmt.Printf("stream headers: %v\n", keys)

	sctx, scancel := context.WithTimeout(context.Background(), 5*time.Second)
	check("shutdown", srv.Shutdown(sctx))
	scancel()
	fmt.Printf("server: %v\n", <-served)
	fmt.Fprintln(os.Stderr, "gohttp: done")
}
