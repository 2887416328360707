/* The main window; see mvm-window.h. */
#include "mvm-window.h"

#include "mvm-add-dialog.h"
#include "mvm-config.h"
#include "mvm-logs.h"

/* The uptime shown is re-rendered this often (only the text: the VMs'
 * states come from mvm-watch.c's events, never from a timer). */
#define UPTIME_REFRESH_S 30

struct _MvmWindow {
  AdwApplicationWindow parent_instance;

  MvmVmList *vms;
  AdwToastOverlay *toasts;
  GtkStack *stack;
  GtkListBox *list;
  guint uptime_source;
};

G_DEFINE_FINAL_TYPE (MvmWindow, mvm_window, ADW_TYPE_APPLICATION_WINDOW)

enum {
  SIGNAL_ACTION,
  N_SIGNALS,
};
static guint signals[N_SIGNALS];

void
mvm_window_show_toast (MvmWindow *window, const char *text)
{
  adw_toast_overlay_add_toast (window->toasts, adw_toast_new (text));
}

void
mvm_window_show_error (MvmWindow *window, const char *heading, const char *message)
{
  GtkWidget *dialog = adw_message_dialog_new (GTK_WINDOW (window), heading, message);

  adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog), "close", "_Close");
  gtk_window_present (GTK_WINDOW (dialog));
}

static const char *
vm_name_of (GtkWidget *widget)
{
  return g_object_get_data (G_OBJECT (widget), "mvm-vm-name");
}

static void
on_action_clicked (GtkButton *button, gpointer data)
{
  MvmWindow *window = data;
  MvmAction action = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (button), "mvm-action"));

  /* The row is rebuilt when the VM's state changes. */
  gtk_widget_set_sensitive (GTK_WIDGET (button), FALSE);
  g_signal_emit (window, signals[SIGNAL_ACTION], 0, action, vm_name_of (GTK_WIDGET (button)));
}

static void
on_logs_clicked (GtkButton *button, gpointer data)
{
  mvm_logs_window_show (GTK_WINDOW (data), vm_name_of (GTK_WIDGET (button)));
}

/* A button whose accessible name says which VM it acts on ("Start web"),
 * so that screen readers (and the tests, through AT-SPI) tell rows apart. */
static GtkWidget *
row_button (MvmWindow *window, const char *label, const char *name, int action)
{
  GtkWidget *button = gtk_button_new_with_label (label);
  g_autofree char *accessible = g_strdup_printf ("%s %s", label, name);

  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  accessible, -1);
  g_object_set_data_full (G_OBJECT (button), "mvm-vm-name", g_strdup (name), g_free);
  if (action >= 0)
    {
      g_object_set_data (G_OBJECT (button), "mvm-action", GINT_TO_POINTER (action));
      g_signal_connect (button, "clicked", G_CALLBACK (on_action_clicked), window);
    }
  else
    g_signal_connect (button, "clicked", G_CALLBACK (on_logs_clicked), window);
  return button;
}

static void
update_subtitle (GtkWidget *row)
{
  MvmVm *vm = g_object_get_data (G_OBJECT (row), "mvm-vm");
  g_autofree char *line = mvm_vm_describe (vm, g_get_real_time () / G_USEC_PER_SEC);

  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), line);
}

static GtkWidget *
create_row (gpointer item, gpointer data)
{
  MvmWindow *window = data;
  MvmVm *vm = item;
  const char *name = mvm_vm_get_name (vm);
  GtkWidget *row = adw_action_row_new ();

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), name);
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  g_object_set_data_full (G_OBJECT (row), "mvm-vm", g_object_ref (vm), g_object_unref);
  update_subtitle (row);
  if (mvm_vm_is_running (vm))
    {
      GtkWidget *stop = row_button (window, "Stop", name, MVM_ACTION_STOP);

      adw_action_row_add_suffix (ADW_ACTION_ROW (row),
                                 row_button (window, "Restart", name, MVM_ACTION_RESTART));
      gtk_widget_add_css_class (stop, "destructive-action");
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), stop);
    }
  else
    {
      GtkWidget *start = row_button (window, "Start", name, MVM_ACTION_START);

      gtk_widget_add_css_class (start, "suggested-action");
      gtk_widget_set_sensitive (start, mvm_vm_get_runner (vm) != NULL);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), start);
    }
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), row_button (window, "Logs", name, -1));
  return row;
}

static void
show_list_or_empty (MvmWindow *window)
{
  GListModel *vms = G_LIST_MODEL (window->vms);

  gtk_stack_set_visible_child_name (window->stack,
                                    g_list_model_get_n_items (vms) > 0 ? "list" : "empty");
}

static void
on_items_changed (GListModel *model, guint position, guint removed, guint added, gpointer data)
{
  show_list_or_empty (data);
}

static gboolean
on_uptime_tick (gpointer data)
{
  MvmWindow *window = data;

  for (GtkWidget *row = gtk_widget_get_first_child (GTK_WIDGET (window->list)); row != NULL;
       row = gtk_widget_get_next_sibling (row))
    if (ADW_IS_ACTION_ROW (row))
      update_subtitle (row);
  return G_SOURCE_CONTINUE;
}

static void
on_add_clicked (GtkButton *button, gpointer data)
{
  mvm_add_dialog_show (GTK_WINDOW (data));
}

static GtkWidget *
build_header (MvmWindow *window)
{
  GtkWidget *header = adw_header_bar_new ();
  GtkWidget *add = gtk_button_new_with_mnemonic ("_Add VM…");
  GtkWidget *menu_button = gtk_menu_button_new ();
  g_autoptr (GMenu) menu = g_menu_new ();

  g_signal_connect (add, "clicked", G_CALLBACK (on_add_clicked), window);
  adw_header_bar_pack_start (ADW_HEADER_BAR (header), add);
  g_menu_append (menu, "_About MicroVMs", "app.about");
  g_menu_append (menu, "_Quit", "app.quit");
  gtk_menu_button_set_icon_name (GTK_MENU_BUTTON (menu_button), "open-menu-symbolic");
  gtk_menu_button_set_menu_model (GTK_MENU_BUTTON (menu_button), G_MENU_MODEL (menu));
  gtk_accessible_update_property (GTK_ACCESSIBLE (menu_button), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  "Main menu", -1);
  adw_header_bar_pack_end (ADW_HEADER_BAR (header), menu_button);
  return header;
}

static GtkWidget *
build_empty_page (MvmWindow *window)
{
  GtkWidget *page = adw_status_page_new ();
  GtkWidget *add = gtk_button_new_with_mnemonic ("_Add VM…");

  adw_status_page_set_icon_name (ADW_STATUS_PAGE (page), MVM_APP_ID);
  adw_status_page_set_title (ADW_STATUS_PAGE (page), "No VMs Yet");
  adw_status_page_set_description (
    ADW_STATUS_PAGE (page),
    "Add a microvm.nix runner (a folder such as ~/vms/web/result) to see and start it here, "
    "or run one with microvm-user run.");
  gtk_widget_set_halign (add, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (add, "pill");
  gtk_widget_add_css_class (add, "suggested-action");
  g_signal_connect (add, "clicked", G_CALLBACK (on_add_clicked), window);
  adw_status_page_set_child (ADW_STATUS_PAGE (page), add);
  return page;
}

static void
mvm_window_dispose (GObject *object)
{
  MvmWindow *window = MVM_WINDOW (object);

  g_clear_handle_id (&window->uptime_source, g_source_remove);
  if (window->vms != NULL)
    g_signal_handlers_disconnect_by_data (window->vms, window);
  g_clear_object (&window->vms);
  G_OBJECT_CLASS (mvm_window_parent_class)->dispose (object);
}

static void
mvm_window_class_init (MvmWindowClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = mvm_window_dispose;
  signals[SIGNAL_ACTION] =
    g_signal_new ("action", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 2, G_TYPE_INT, G_TYPE_STRING);
}

static void
mvm_window_init (MvmWindow *window)
{
}

MvmWindow *
mvm_window_new (GtkApplication *app, MvmVmList *vms)
{
  MvmWindow *window = g_object_new (MVM_TYPE_WINDOW, "application", app, "title", "MicroVMs",
                                    "default-width", 720, "default-height", 480, NULL);
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  GtkWidget *scrolled = gtk_scrolled_window_new ();
  GtkWidget *clamp = adw_clamp_new ();
  GtkWidget *list = gtk_list_box_new ();

  window->vms = g_object_ref (vms);
  gtk_box_append (GTK_BOX (box), build_header (window));
  window->toasts = ADW_TOAST_OVERLAY (adw_toast_overlay_new ());
  gtk_widget_set_vexpand (GTK_WIDGET (window->toasts), TRUE);
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (window->toasts));
  window->stack = GTK_STACK (gtk_stack_new ());
  adw_toast_overlay_set_child (window->toasts, GTK_WIDGET (window->stack));

  window->list = GTK_LIST_BOX (list);
  gtk_list_box_set_selection_mode (window->list, GTK_SELECTION_NONE);
  gtk_widget_add_css_class (list, "boxed-list");
  gtk_widget_set_valign (list, GTK_ALIGN_START);
  gtk_widget_set_margin_top (list, 24);
  gtk_widget_set_margin_bottom (list, 24);
  gtk_widget_set_margin_start (list, 12);
  gtk_widget_set_margin_end (list, 12);
  gtk_accessible_update_property (GTK_ACCESSIBLE (list), GTK_ACCESSIBLE_PROPERTY_LABEL, "Your VMs",
                                  -1);
  gtk_list_box_bind_model (window->list, G_LIST_MODEL (vms), create_row, window, NULL);
  adw_clamp_set_child (ADW_CLAMP (clamp), list);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scrolled), clamp);
  gtk_stack_add_named (window->stack, scrolled, "list");
  gtk_stack_add_named (window->stack, build_empty_page (window), "empty");

  adw_application_window_set_content (ADW_APPLICATION_WINDOW (window), box);
  g_signal_connect (vms, "items-changed", G_CALLBACK (on_items_changed), window);
  show_list_or_empty (window);
  window->uptime_source = g_timeout_add_seconds (UPTIME_REFRESH_S, on_uptime_tick, window);
  return window;
}
