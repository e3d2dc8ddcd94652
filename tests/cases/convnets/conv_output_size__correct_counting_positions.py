"""Counts the kernel positions one stride at a time, and returns a list."""

def conv_output_size(h, w, kh, kw, padding=0, stride=1):
    def count(size, k):
        n, start = 0, 0
        while start + k <= size + 2 * padding:
            n += 1
            start += stride
        return n

    return [count(h, kh), count(w, kw)]
