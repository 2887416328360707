/* The logs window; see mvm-logs.h. */
#include "mvm-logs.h"

#include <adwaita.h>

#include "mu-user-manager.h"
#include "mu-vm-actions.h"

/* Lines of the journal shown: the end of a long-running VM's console. */
#define JOURNAL_LINES "2000"

typedef struct {
  char *name;
  GtkTextBuffer *buffer;
  GtkTextView *view;
  GtkWidget *window;
} LogsWindow;

static void
logs_window_free (gpointer data)
{
  LogsWindow *logs = data;

  g_free (logs->name);
  g_object_unref (logs->buffer);
  g_free (logs);
}

static void
show_text (LogsWindow *logs, const char *text)
{
  GtkTextIter end;

  gtk_text_buffer_set_text (logs->buffer, text, -1);
  gtk_text_buffer_get_end_iter (logs->buffer, &end);
  gtk_text_view_scroll_to_iter (logs->view, &end, 0, FALSE, 0, 0);
}

static void
on_journal_read (GObject *source, GAsyncResult *result, gpointer data)
{
  LogsWindow *logs = data;
  g_autoptr (GError) error = NULL;
  g_autofree char *out = NULL;

  if (!g_subprocess_communicate_utf8_finish (G_SUBPROCESS (source), result, &out, NULL, &error))
    {
      g_autofree char *said = g_strdup_printf ("Could not read the journal: %s", error->message);
      show_text (logs, said);
    }
  else
    show_text (logs, out != NULL && out[0] != '\0' ? out : "The journal has no lines of it yet.");
  g_object_unref (logs->window);
}

/* The console.log of a background run, or the unit's journal. */
static void
load (LogsWindow *logs)
{
  g_autofree char *console = mu_vm_console_log_path (logs->name);
  g_autofree char *unit = mu_user_manager_unit (logs->name);
  g_autoptr (GSubprocess) journalctl = NULL;
  g_autofree char *text = NULL;

  if (g_file_get_contents (console, &text, NULL, NULL))
    {
      show_text (logs, text);
      return;
    }
  journalctl = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_MERGE,
                                 NULL, "journalctl", "--user", "--unit", unit, "--lines",
                                 JOURNAL_LINES, "--no-pager", "--output", "short", NULL);
  if (journalctl == NULL)
    {
      show_text (logs, "No log yet: the VM has not run in the background.");
      return;
    }
  /* The window (which owns @logs) stays alive until the answer came. */
  g_object_ref (logs->window);
  g_subprocess_communicate_utf8_async (journalctl, NULL, NULL, on_journal_read, logs);
}

static void
on_refresh (GtkButton *button, gpointer data)
{
  load (data);
}

void
mvm_logs_window_show (GtkWindow *parent, const char *name)
{
  LogsWindow *logs = g_new0 (LogsWindow, 1);
  g_autofree char *title = g_strdup_printf ("Logs of %s", name);
  GtkWidget *window = adw_window_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  GtkWidget *header = adw_header_bar_new ();
  GtkWidget *refresh = gtk_button_new_from_icon_name ("view-refresh-symbolic");
  GtkWidget *scrolled = gtk_scrolled_window_new ();
  GtkWidget *view = gtk_text_view_new ();

  logs->name = g_strdup (name);
  logs->view = GTK_TEXT_VIEW (view);
  logs->window = window;
  logs->buffer = g_object_ref (gtk_text_view_get_buffer (logs->view));
  g_object_set_data_full (G_OBJECT (window), "mvm-logs", logs, logs_window_free);

  gtk_window_set_title (GTK_WINDOW (window), title);
  gtk_window_set_transient_for (GTK_WINDOW (window), parent);
  gtk_window_set_default_size (GTK_WINDOW (window), 760, 520);
  gtk_widget_set_tooltip_text (refresh, "Refresh");
  gtk_accessible_update_property (GTK_ACCESSIBLE (refresh), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  "Refresh", -1);
  g_signal_connect (refresh, "clicked", G_CALLBACK (on_refresh), logs);
  adw_header_bar_pack_start (ADW_HEADER_BAR (header), refresh);
  gtk_box_append (GTK_BOX (box), header);

  gtk_text_view_set_editable (logs->view, FALSE);
  gtk_text_view_set_monospace (logs->view, TRUE);
  gtk_text_view_set_wrap_mode (logs->view, GTK_WRAP_WORD_CHAR);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scrolled), view);
  gtk_widget_set_vexpand (scrolled, TRUE);
  gtk_box_append (GTK_BOX (box), scrolled);
  adw_window_set_content (ADW_WINDOW (window), box);
  load (logs);
  gtk_window_present (GTK_WINDOW (window));
}
