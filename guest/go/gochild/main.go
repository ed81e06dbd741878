// gochild: processes and signals from Go — os/exec with pipes, exit statuses, a child killed by a
// signal, os/signal, a context deadline — with deterministic output.
//
// The child is this program again, run with a role as first argument. qemu-riscv64 hands execve to
// the host kernel, which cannot run a riscv64 program by itself: under qemu, GOCHILD_LAUNCHER names
// qemu-riscv64 and children run as `$GOCHILD_LAUNCHER ./gochild ROLE`; under hartscope it is unset
// and children run as `./gochild ROLE`.
package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"syscall"
	"time"
)

func child(role string, args ...string) *exec.Cmd {
	self := os.Args[0]
	if l := os.Getenv("GOCHILD_LAUNCHER"); l != "" {
		return exec.Command(l, append([]string{self, role}, args...)...)
	}
	return exec.Command(self, append([]string{role}, args...)...)
}

func check(what string, err error) {
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", what, err)
		os.Exit(1)
	}
}

// roles run in the child

func upper() {
	sc := bufio.NewScanner(os.Stdin)
	n := 0
	for sc.Scan() {
		n++
		fmt.Printf("%d %s\n", n, strings.ToUpper(sc.Text()))
	}
	fmt.Fprintf(os.Stderr, "upper: %d lines\n", n)
}

func waitForSignal() {
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, syscall.SIGTERM)
	fmt.Println("ready")
	s := <-ch
	fmt.Printf("child got %v\n", s)
	os.Exit(9)
}

// the parent's parts

func pipes() {
	cmd := child("upper")
	in, err := cmd.StdinPipe()
	check("stdin pipe", err)
	out, err := cmd.StdoutPipe()
	check("stdout pipe", err)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	check("start upper", cmd.Start())
	go func() {
		for _, w := range []string{"alpha", "beta", "gamma"} {
			fmt.Fprintln(in, w)
		}
		in.Close()
	}()
	got, err := io.ReadAll(out)
	check("read upper", err)
	check("wait upper", cmd.Wait())
	fmt.Printf("pipes: child wrote %q, stderr %q\n", got, stderr.String())
}

func statuses() {
	err := child("exit", "3").Run()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		fmt.Printf("statuses: exit 3 -> ExitCode %d\n", ee.ExitCode())
	} else {
		fmt.Printf("statuses: exit 3 -> %v\n", err)
	}
	out, err := child("env").Output()
	check("env child", err)
	fmt.Printf("statuses: child sees GOCHILD_VALUE=%s", out)
}

func signals() {
	// a signal to ourselves, delivered through os/signal
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, syscall.SIGUSR1)
	check("kill self", syscall.Kill(os.Getpid(), syscall.SIGUSR1))
	select {
	case s := <-ch:
		fmt.Printf("signals: got %v\n", s)
	case <-time.After(5 * time.Second):
		fmt.Println("signals: no SIGUSR1")
	}
	signal.Stop(ch)

	// a child that waits for SIGTERM and exits 9 when it comes
	cmd := child("wait-signal")
	out, err := cmd.StdoutPipe()
	check("stdout pipe", err)
	check("start wait-signal", cmd.Start())
	r := bufio.NewReader(out)
	line, err := r.ReadString('\n')
	check("read ready", err)
	fmt.Printf("signals: child said %q\n", line)
	check("signal child", cmd.Process.Signal(syscall.SIGTERM))
	rest, _ := io.ReadAll(r)
	err = cmd.Wait()
	fmt.Printf("signals: child then said %q, and ended: %v\n", rest, err)

	// a child killed by SIGKILL (it would sleep for an hour)
	cmd = child("sleep")
	check("start sleep", cmd.Start())
	check("kill child", cmd.Process.Kill())
	err = cmd.Wait()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		ws := ee.Sys().(syscall.WaitStatus)
		fmt.Printf("signals: killed child: signaled %v, signal %v\n", ws.Signaled(), ws.Signal())
	}
}

func deadline() {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	select {
	case <-ctx.Done():
		fmt.Printf("deadline: %v\n", ctx.Err())
	case <-time.After(time.Minute):
		fmt.Println("deadline: the minute passed first")
	}
}

func main() {
	if len(os.Args) > 1 {
		switch os.Args[1] {
		case "upper":
			upper()
		case "exit":
			var n int
			fmt.Sscan(os.Args[2], &n)
			os.Exit(n)
		case "env":
			fmt.Println(os.Getenv("GOCHILD_VALUE"))
		case "wait-signal":
			waitForSignal()
		case "sleep":
			time.Sleep(time.Hour)
		default:
			fmt.Fprintf(os.Stderr, "gochild: unknown role %s\n", os.Args[1])
			os.Exit(2)
		}
		return
	}
	os.Setenv("GOCHILD_VALUE", "inherited")
	pipes()
	statuses()
	signals()
	deadline()
	fmt.Fprintln(os.Stderr, "gochild: done")
}
