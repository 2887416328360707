/* The other half of the control circle; see circle-a.c. */
int import_circle_a (int n);
int import_circle_b (int n);

int
import_circle_b (int n)
{
  return n <= 0 ? 1 : import_circle_a (n - 1);
}
