// gostress: the Go runtime's heavier machinery, with deterministic output — asynchronous
// preemption (a goroutine spinning without calls on GOMAXPROCS 1 is stopped by SIGURG and a
// rewritten signal context), garbage collection with finalizers, memory returned to the kernel
// (madvise) and reused, three thousand goroutines, stacks grown by deep recursion, a large heap.
package main

import (
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"
)

var spins uint64

//go:noinline
func spin(stop *uint32) {
	// no calls and no allocation in the loop: only an asynchronous preemption can stop it
	for atomic.LoadUint32(stop) == 0 {
		spins++
	}
}

func preemption() {
	prev := runtime.GOMAXPROCS(1)
	var stop uint32
	done := make(chan struct{})
	go func() {
		spin(&stop)
		close(done)
	}()
	runtime.Gosched() // let the spinner take the only P
	time.Sleep(5 * time.Millisecond)
	atomic.StoreUint32(&stop, 1)
	<-done
	fmt.Printf("preemption: the main goroutine ran again while another spun: %v\n", spins > 0)
	runtime.GOMAXPROCS(prev)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

type resource struct{ id int }

func collection() {
	var finalized int32
	for i := 0; i < 100; i++ {
		r := &resource{id: i}
		runtime.SetFinalizer(r, func(*resource) { atomic.AddInt32(&finalized, 1) })
	}
	for i := 0; i < 50 && atomic.LoadInt32(&finalized) < 100; i++ {
		runtime.GC()
		time.Sleep(time.Millisecond)
	}
	fmt.Printf("collection: %d of 100 finalizers ran\n", atomic.LoadInt32(&finalized))

	// garbage: lists built and dropped, their sums checked
	total := 0
	for round := 0; round < 20; round++ {
		var head *[64]int
		var keep [][64]int
		for i := 0; i < 2000; i++ {
			head = new([64]int)
			head[i%64] = i
			if i%100 == 0 {
				keep = append(keep, *head)
			}
		}
		for _, k := range keep {
			for _, v := range k {
				total += v
			}
		}
	}
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	fmt.Printf("collection: total %d, the collector ran: %v\n", total, ms.NumGC > 0)
}

func returned() {
	// 64 MiB touched, dropped, handed back to the kernel (madvise), then a new heap that must read as
	// zeros where nothing was written
	big := make([]byte, 64<<20)
	for i := 0; i < len(big); i += 4096 {
		big[i] = byte(i >> 12)
	}
	sum := 0
	for i := 0; i < len(big); i += 4096 {
		sum += int(big[i])
	}
	big = nil
	runtime.GC()
	debug.FreeOSMemory()
	again := make([]byte, 64<<20)
	nonzero := 0
	for i := 0; i < len(again); i += 512 {
		if again[i] != 0 {
			nonzero++
		}
	}
	fmt.Printf("returned: sum %d, nonzero bytes in the new heap: %d\n", sum, nonzero)
}

func many() {
	const n = 3000
	var wg sync.WaitGroup
	results := make([]int, n)
	gate := make(chan struct{})
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			<-gate
			results[i] = i * i % 7
		}(i)
	}
	close(gate)
	wg.Wait()
	s := 0
	for _, r := range results {
		s += r
	}
	fmt.Printf("many: %d goroutines, sum %d\n", n, s)
}

//go:noinline
func depth(n int, pad [16]int) int {
	if n == 0 {
		return pad[3]
	}
	pad[n%16] += n
	return depth(n-1, pad) + 1
}

func stacks() {
	var wg sync.WaitGroup
	out := make([]int, 8)
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			out[g] = depth(5000+g*500, [16]int{})
		}(g)
	}
	wg.Wait()
	fmt.Printf("stacks: depths %v\n", out)
}

func main() {
	parts := []struct {
		name string
		run  func()
	}{{"preemption", preemption}, {"collection", collection}, {"returned", returned}, {"many", many}, {"stacks", stacks}}
	for _, p := range parts {
		// with arguments, only the parts they name
		if len(os.Args) > 1 && !contains(os.Args[1:], p.name) {
			continue
		}
		p.run()
	}
	fmt.Fprintln(os.Stderr, "gostress: done")
}
