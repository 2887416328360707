/* The "Add VM…" dialog; see mvm-add-dialog.h. */
#include "mvm-add-dialog.h"

#include <adwaita.h>

#include "mu-runner.h"
#include "mu-vm-actions.h"

typedef struct {
  GtkWindow *parent;
  AdwMessageDialog *dialog;
  GtkEntry *name;
  GtkButton *folder_button;
  char *runner;
} AddDialog;

static void
add_dialog_free (gpointer data)
{
  AddDialog *add = data;

  g_free (add->runner);
  g_free (add);
}

static void
update_add_sensitive (AddDialog *add)
{
  const char *name = gtk_editable_get_text (GTK_EDITABLE (add->name));

  adw_message_dialog_set_response_enabled (add->dialog, "add",
                                           add->runner != NULL && name[0] != '\0');
}

static void
on_name_changed (GtkEditable *editable, gpointer data)
{
  update_add_sensitive (data);
}

/* The runner is read now: a folder that is no runner is said at once,
 * and a runner proposes the name microvm.nix gave it. */
static void
on_folder_chosen (GtkNativeDialog *chooser, int response, gpointer data)
{
  AddDialog *add = data;
  g_autoptr (GFile) folder = NULL;
  g_autoptr (MuRunner) runner = NULL;
  g_autoptr (GError) error = NULL;

  if (response == GTK_RESPONSE_ACCEPT)
    folder = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));
  g_object_unref (chooser);
  if (folder == NULL)
    return;
  g_free (add->runner);
  add->runner = g_file_get_path (folder);
  gtk_button_set_label (add->folder_button, add->runner);
  runner = mu_runner_load (add->runner, &error);
  if (runner == NULL)
    adw_message_dialog_set_body (add->dialog, error->message);
  else
    {
      g_autofree char *body =
        g_strdup_printf ("%s runner%s%s.", runner->hypervisor != NULL ? runner->hypervisor : "A",
                         runner->taps->len > 0 ? " with taps " : "",
                         runner->taps->len > 0 ? (char *) runner->taps->pdata[0] : "");
      adw_message_dialog_set_body (add->dialog, body);
      if (gtk_editable_get_text (GTK_EDITABLE (add->name))[0] == '\0' && runner->name != NULL)
        gtk_editable_set_text (GTK_EDITABLE (add->name), runner->name);
    }
  update_add_sensitive (add);
}

static void
on_choose_folder (GtkButton *button, gpointer data)
{
  AddDialog *add = data;
  GtkFileChooserNative *chooser =
    gtk_file_chooser_native_new ("Choose a Runner", GTK_WINDOW (add->dialog),
                                 GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER, "_Choose", "_Cancel");

  g_signal_connect (chooser, "response", G_CALLBACK (on_folder_chosen), add);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

static void
on_response (AdwMessageDialog *dialog, const char *response, gpointer data)
{
  AddDialog *add = data;
  g_autoptr (GError) error = NULL;

  if (g_strcmp0 (response, "add") != 0)
    return;
  /* Quick (a symlink and a few small files): done here, not in a thread. */
  if (!mu_vm_install (gtk_editable_get_text (GTK_EDITABLE (add->name)), add->runner, FALSE, NULL,
                      &error))
    {
      GtkWidget *failed =
        adw_message_dialog_new (add->parent, "Could not add the VM", error->message);
      adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (failed), "close", "_Close");
      gtk_window_present (GTK_WINDOW (failed));
    }
}

void
mvm_add_dialog_show (GtkWindow *parent)
{
  AddDialog *add = g_new0 (AddDialog, 1);
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 12);
  GtkWidget *folder = gtk_button_new_with_mnemonic ("Choose the runner _folder…");
  GtkWidget *name = gtk_entry_new ();

  add->parent = parent;
  add->dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (
    parent, "Add VM",
    "Choose a microvm.nix runner: the folder `nix build` made (e.g. ~/vms/web/result)."));
  add->name = GTK_ENTRY (name);
  add->folder_button = GTK_BUTTON (folder);
  g_object_set_data_full (G_OBJECT (add->dialog), "mvm-add", add, add_dialog_free);

  gtk_entry_set_placeholder_text (add->name, "Name");
  gtk_accessible_update_property (GTK_ACCESSIBLE (name), GTK_ACCESSIBLE_PROPERTY_LABEL, "Name", -1);
  g_signal_connect (folder, "clicked", G_CALLBACK (on_choose_folder), add);
  g_signal_connect (name, "changed", G_CALLBACK (on_name_changed), add);
  gtk_box_append (GTK_BOX (box), folder);
  gtk_box_append (GTK_BOX (box), name);
  adw_message_dialog_set_extra_child (add->dialog, box);

  adw_message_dialog_add_responses (add->dialog, "cancel", "_Cancel", "add", "_Add", NULL);
  adw_message_dialog_set_response_appearance (add->dialog, "add", ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (add->dialog, "add");
  adw_message_dialog_set_close_response (add->dialog, "cancel");
  g_signal_connect (add->dialog, "response", G_CALLBACK (on_response), add);
  update_add_sensitive (add);
  gtk_window_present (GTK_WINDOW (add->dialog));
}
