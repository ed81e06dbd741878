// gonet: Go's net package over AF_UNIX — a stream server answering several clients at once
// (goroutine per connection, the netpoller waiting on accept and reads), deadlines, half-close,
// a datagram socket pair, and net.Pipe — with deterministic output.
package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
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

// serve answers each line with its upper case and the line count, until the client half-closes.
func serve(ln net.Listener, conns int, done chan<- struct{}) {
	var wg sync.WaitGroup
	for i := 0; i < conns; i++ {
		c, err := ln.Accept()
		check("accept", err)
		wg.Add(1)
		go func(c net.Conn) {
			defer wg.Done()
			defer c.Close()
			sc := bufio.NewScanner(c)
			n := 0
			for sc.Scan() {
				n++
				fmt.Fprintf(c, "%d:%s\n", n, strings.ToUpper(sc.Text()))
			}
			fmt.Fprintf(c, "bye after %d\n", n)
		}(c)
	}
	wg.Wait()
	close(done)
}

func stream() {
	const path = "gonet.sock"
	os.Remove(path)
	ln, err := net.Listen("unix", path)
	check("listen", err)
	defer os.Remove(path)
	const clients = 5
	done := make(chan struct{})
	go serve(ln, clients, done)

	replies := make([]string, clients)
	var wg sync.WaitGroup
	for i := 0; i < clients; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			c, err := net.Dial("unix", path)
			check("dial", err)
			defer c.Close()
			for j := 0; j <= i; j++ {
				fmt.Fprintf(c, "client %d line %d\n", i, j)
			}
			check("close write", c.(*net.UnixConn).CloseWrite())
			b, err := io.ReadAll(c)
			check("read reply", err)
			replies[i] = string(b)
		}(i)
	}
	wg.Wait()
	<-done
	check("close listener", ln.Close())
	for i, r := range replies {
		fmt.Printf("stream: client %d got %q\n", i, r)
	}
	_, err = ln.Accept()
	fmt.Printf("stream: accept after close: %v\n", errors.Is(err, net.ErrClosed))
	_, err = net.Dial("unix", "no-such.sock")
	fmt.Printf("stream: dial to nowhere fails: %v\n", err != nil)
}

func deadlines() {
	a, b := net.Pipe()
	defer a.Close()
	defer b.Close()
	check("deadline", a.SetReadDeadline(time.Now().Add(10*time.Millisecond)))
	_, err := a.Read(make([]byte, 1))
	fmt.Printf("deadline: net.Pipe read timed out: %v\n", errors.Is(err, os.ErrDeadlineExceeded))

	// an abstract name is one per host under qemu-riscv64: the pid keeps parallel runs apart
	name := fmt.Sprintf("@hartscope-gonet-%d", os.Getpid())
	ln, err := net.Listen("unix", name)
	check("listen abstract", err)
	defer ln.Close()
	go func() {
		c, err := ln.Accept()
		check("accept", err)
		time.Sleep(200 * time.Millisecond)
		c.Close()
	}()
	c, err := net.Dial("unix", name)
	check("dial abstract", err)
	defer c.Close()
	check("deadline", c.SetReadDeadline(time.Now().Add(20*time.Millisecond)))
	_, err = c.Read(make([]byte, 1))
	var ne net.Error
	fmt.Printf("deadline: socket read timed out: %v\n", errors.As(err, &ne) && ne.Timeout())
	check("deadline", c.SetReadDeadline(time.Time{}))
	n, err := c.Read(make([]byte, 1))
	fmt.Printf("deadline: then EOF when the peer closes: %d %v\n", n, err == io.EOF)
}

func datagrams() {
	const path = "gonet-dgram.sock"
	os.Remove(path)
	srv, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: path, Net: "unixgram"})
	check("listen unixgram", err)
	defer os.Remove(path)
	defer srv.Close()
	cli, err := net.DialUnix("unixgram", nil, &net.UnixAddr{Name: path, Net: "unixgram"})
	check("dial unixgram", err)
	defer cli.Close()
	for _, m := range []string{"one", "two two", "three three three"} {
		_, err := cli.Write([]byte(m))
		check("send", err)
	}
	got := []string{}
	buf := make([]byte, 64)
	for i := 0; i < 3; i++ {
		n, _, err := srv.ReadFrom(buf)
		check("recv", err)
		got = append(got, fmt.Sprintf("%d:%s", n, buf[:n]))
	}
	sort.Strings(got)
	fmt.Printf("datagrams: %v\n", got)
}

func main() {
	stream()
	deadlines()
	datagrams()
	fmt.Fprintln(os.Stderr, "gonet: done")
}
