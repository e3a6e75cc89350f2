/** An array-backed FIFO with O(1) amortised push/shift (head index, compacted now and then). */
export class Deque<T> {
  private items: T[] = [];
  private head = 0;

  get length(): number {
    return this.items.length - this.head;
  }
  push(x: T): void {
    this.items.push(x);
  }
  peek(): T | undefined {
    return this.items[this.head];
  }
  shift(): T | undefined {
    if (this.head >= this.items.length) return undefined;
    const x = this.items[this.head]!;
    this.items[this.head] = undefined as T;
    this.head++;
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return x;
  }
  at(i: number): T {
    return this.items[this.head + i]!;
  }
  forEach(f: (x: T) => void): void {
    for (let i = this.head; i < this.items.length; i++) f(this.items[i]!);
  }
  toArray(): T[] {
    return this.items.slice(this.head);
  }
}
