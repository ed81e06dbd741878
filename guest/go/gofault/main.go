// gofault: how a Go program ends badly, one way per argument — a panic, a nil dereference (a
// SIGSEGV the runtime turns into a panic), an integer division by zero, a deadlock, a runtime
// fatal error, a recovered fault, a signal nobody handles. Each prints what the runtime prints,
// which must be the same under hartscope and qemu-riscv64, and exits as it does.
package main

import (
	"fmt"
	"os"
	"runtime/debug"
	"sync"
	"syscall"
	"time"
)

type node struct {
	next *node
	val  int
}

//go:noinline
func deref(n *node) int { return n.val }

//go:noinline
func divide(a, b int) int { return a / b }

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: gofault panic|nil|divide|deadlock|fatal|recover|sigterm|exit")
		os.Exit(2)
	}
	switch os.Args[1] {
	case "panic":
		// a panic in a goroutine other than main, which waits for ever: the panic ends the process
		go func() {
			panic(fmt.Sprintf("worker %d gave up", 7))
		}()
		select {}
	case "nil":
		fmt.Println(deref(nil))
	case "divide":
		fmt.Println(divide(1, len(os.Args)-2))
	case "deadlock":
		ch := make(chan int)
		fmt.Println("waiting for a value that never comes")
		<-ch
	case "fatal":
		// unlocking an unlocked mutex is a fatal error the runtime detects (no recover catches it)
		var mu sync.Mutex
		mu.Lock()
		mu.Unlock()
		mu.Unlock()
	case "recover":
		// a nil dereference recovered: the SIGSEGV handler's panic caught by a deferred recover
		debug.SetPanicOnFault(true)
		for i := 0; i < 3; i++ {
			func() {
				defer func() { fmt.Printf("recovered %d: %v\n", i, recover()) }()
				fmt.Println(deref(nil))
			}()
		}
		fmt.Println("still running")
	case "sigterm":
		// SIGTERM without a handler: the runtime re-raises it with the default action
		fmt.Println("sending myself SIGTERM")
		syscall.Kill(os.Getpid(), syscall.SIGTERM)
		time.Sleep(time.Minute)
		fmt.Println("not reached")
	case "exit":
		// os.Exit from a goroutine while others run
		for i := 0; i < 4; i++ {
			go func() {
				for {
					time.Sleep(time.Millisecond)
				}
			}()
		}
		go func() {
			time.Sleep(5 * time.Millisecond)
			fmt.Println("exiting with 42 from a goroutine")
			os.Exit(42)
		}()
		select {}
	default:
		fmt.Fprintf(os.Stderr, "gofault: unknown case %s\n", os.Args[1])
		os.Exit(2)
	}
}
