/* A deliberate import circle (circle-a.c <-> circle-b.c), the control of
 * tests/check-imports.py: the check must find it. */
int import_circle_b (int n);
int import_circle_a (int n);

int
import_circle_a (int n)
{
  return n <= 0 ? 0 : import_circle_b (n - 1);
}
