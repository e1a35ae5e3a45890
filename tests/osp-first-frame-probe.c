/* osp-first-frame-probe.c — the reference for the first-frame benchmark
 *
 * Copyright 2026 The Osteoplan developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A bare GTK 4 program with one GtkGLArea that draws one mesh file with a minimal shader, as
 * quickly as a program can: the file is read (by the same core reader as the application, so
 * that the comparison measures everything but parsing) in a thread started first thing in
 * main(), while GTK opens the window and the GL context compiles the shader; the first render
 * after both uploads positions and indices and draws them flat-shaded (normals from screen-space
 * derivatives: nothing is computed per vertex).  After that frame is painted it prints
 *
 *   first-frame: wall 0.412 s, cpu 0.530 s, 430000 triangles
 *
 * (wall: since the process started, from /proc; cpu: user + system of every thread) and quits.
 * tests/bench/first-frame.py runs it beside `osteoplan --quit-after-first-frame`.
 */
#include "config.h"

#include <epoxy/gl.h>
#include <gtk/gtk.h>
#include <math.h>
#include <stdio.h>
#include <sys/resource.h>
#include <unistd.h>

#include "osp-mesh-io.h"

typedef struct
{
  char         *path;
  GThread      *loader;
  OspMesh      *mesh;      /* once the loader has finished */
  char         *error;
  GtkGLArea    *area;
  GLuint        program, vao, vbo, ebo;
  GLint         u_mvp;
  gboolean      drawn;
  int           status;
} Probe;

static double
seconds_since_process_start (void)
{
  g_autofree char *stat = NULL;
  g_autofree char *uptime = NULL;
  const char *fields;
  unsigned long long start_ticks = 0;
  double up = 0.0;
  long hz = sysconf (_SC_CLK_TCK);

  if (!g_file_get_contents ("/proc/self/stat", &stat, NULL, NULL) ||
      !g_file_get_contents ("/proc/uptime", &uptime, NULL, NULL) || hz <= 0)
    return -1.0;
  fields = strrchr (stat, ')');
  if (fields == NULL ||
      sscanf (fields + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d "
                          "%*d %*d %*d %llu", &start_ticks) != 1 ||
      sscanf (uptime, "%lf", &up) != 1)
    return -1.0;
  return up - (double) start_ticks / hz;
}

static double
cpu_seconds (void)
{
  struct rusage usage;

  if (getrusage (RUSAGE_SELF, &usage) != 0)
    return -1.0;
  return usage.ru_utime.tv_sec + usage.ru_utime.tv_usec / 1e6 +
         usage.ru_stime.tv_sec + usage.ru_stime.tv_usec / 1e6;
}

static gboolean
loaded (gpointer data)
{
  Probe *probe = data;

  g_thread_join (g_steal_pointer (&probe->loader));
  if (probe->mesh == NULL)
    {
      g_printerr ("%s\n", probe->error);
      probe->status = 1;
      g_application_quit (g_application_get_default ());
      return G_SOURCE_REMOVE;
    }
  if (probe->area != NULL)
    gtk_gl_area_queue_render (probe->area);
  return G_SOURCE_REMOVE;
}

static gpointer
load_thread (gpointer data)
{
  Probe *probe = data;
  g_autoptr(GError) error = NULL;

  probe->mesh = osp_mesh_load (probe->path, NULL, NULL, &error);
  if (probe->mesh == NULL)
    probe->error = g_strdup (error->message);
  g_idle_add (loaded, probe);
  return NULL;
}

static GLuint
compile (GLenum type, const char *source)
{
  GLuint shader = glCreateShader (type);
  GLint ok = 0;

  glShaderSource (shader, 1, &source, NULL);
  glCompileShader (shader);
  glGetShaderiv (shader, GL_COMPILE_STATUS, &ok);
  if (!ok)
    g_error ("probe: a shader did not compile");
  return shader;
}

static void
on_realize (GtkGLArea *area,
            Probe     *probe)
{
  static const char *vertex =
    "#version 330 core\n"
    "layout (location = 0) in vec3 a_position;\n"
    "uniform mat4 u_mvp;\n"
    "out vec3 v_position;\n"
    "void main () { v_position = a_position; gl_Position = u_mvp * vec4 (a_position, 1.0); }\n";
  static const char *fragment =
    "#version 330 core\n"
    "in vec3 v_position;\n"
    "out vec4 colour;\n"
    "void main () {\n"
    "  vec3 n = normalize (cross (dFdx (v_position), dFdy (v_position)));\n"
    "  colour = vec4 (vec3 (0.89, 0.85, 0.76) * (0.2 + 0.8 * abs (n.y)), 1.0);\n"
    "}\n";
  GLuint vs, fs;

  gtk_gl_area_make_current (area);
  if (gtk_gl_area_get_error (area) != NULL)
    g_error ("probe: %s", gtk_gl_area_get_error (area)->message);
  vs = compile (GL_VERTEX_SHADER, vertex);
  fs = compile (GL_FRAGMENT_SHADER, fragment);
  probe->program = glCreateProgram ();
  glAttachShader (probe->program, vs);
  glAttachShader (probe->program, fs);
  glLinkProgram (probe->program);
  glDeleteShader (vs);
  glDeleteShader (fs);
  probe->u_mvp = glGetUniformLocation (probe->program, "u_mvp");
}

static void
on_after_paint (GdkFrameClock *clock,
                Probe         *probe)
{
  g_signal_handlers_disconnect_by_func (clock, on_after_paint, probe);
  printf ("first-frame: wall %.3f s, cpu %.3f s, %u triangles\n", seconds_since_process_start (),
          cpu_seconds (), osp_mesh_get_n_triangles (probe->mesh));
  fflush (stdout);
  g_application_quit (g_application_get_default ());
}

/* An orthographic view from the front (LPS: looking along +y), the box filling the view. */
static void
fit (const OspMesh *mesh,
     int            width,
     int            height,
     float         *mvp)
{
  OspBox box;
  float centre[3], half = 0.0f, aspect = (float) width / (float) MAX (height, 1);

  osp_mesh_get_bounds (mesh, &box);
  for (int a = 0; a < 3; a++)
    {
      centre[a] = (box.min[a] + box.max[a]) / 2;
      half = MAX (half, (box.max[a] - box.min[a]) / 2);
    }
  half = MAX (half * 1.1f, 1e-3f);
  /* Column-major.  Screen x: patient right to left, as radiologists show it; screen y: z
   * (head up); depth: y (posterior further). */
  memset (mvp, 0, 16 * sizeof (float));
  mvp[0] = 1.0f / (half * aspect);
  mvp[12] = -centre[0] / (half * aspect);
  mvp[9] = 1.0f / half;
  mvp[13] = -centre[2] / half;
  mvp[6] = 1.0f / half;
  mvp[14] = -centre[1] / half;
  mvp[15] = 1.0f;
}

static gboolean
on_render (GtkGLArea    *area,
           GdkGLContext *context,
           Probe        *probe)
{
  int scale = gtk_widget_get_scale_factor (GTK_WIDGET (area));
  int width = gtk_widget_get_width (GTK_WIDGET (area)) * scale;
  int height = gtk_widget_get_height (GTK_WIDGET (area)) * scale;
  float mvp[16];

  glClearColor (0.1f, 0.1f, 0.12f, 1.0f);
  glClear (GL_COLOR_BUFFER_BIT | GL_DEPTH_BUFFER_BIT);
  if (probe->mesh == NULL || probe->drawn)
    return TRUE;
  glGenVertexArrays (1, &probe->vao);
  glBindVertexArray (probe->vao);
  glGenBuffers (1, &probe->vbo);
  glBindBuffer (GL_ARRAY_BUFFER, probe->vbo);
  glBufferData (GL_ARRAY_BUFFER, (gsize) osp_mesh_get_n_vertices (probe->mesh) * 12,
                osp_mesh_get_positions (probe->mesh), GL_STATIC_DRAW);
  glGenBuffers (1, &probe->ebo);
  glBindBuffer (GL_ELEMENT_ARRAY_BUFFER, probe->ebo);
  glBufferData (GL_ELEMENT_ARRAY_BUFFER, (gsize) osp_mesh_get_n_triangles (probe->mesh) * 12,
                osp_mesh_get_indices (probe->mesh), GL_STATIC_DRAW);
  glEnableVertexAttribArray (0);
  glVertexAttribPointer (0, 3, GL_FLOAT, GL_FALSE, 12, (void *) 0);
  fit (probe->mesh, width, height, mvp);
  glEnable (GL_DEPTH_TEST);
  glUseProgram (probe->program);
  glUniformMatrix4fv (probe->u_mvp, 1, GL_FALSE, mvp);
  glDrawElements (GL_TRIANGLES, (GLsizei) (3 * (gsize) osp_mesh_get_n_triangles (probe->mesh)),
                  GL_UNSIGNED_INT, NULL);
  glBindVertexArray (0);
  probe->drawn = TRUE;
  /* The frame counts once GTK has put it on the screen. */
  g_signal_connect (gtk_widget_get_frame_clock (GTK_WIDGET (area)), "after-paint",
                    G_CALLBACK (on_after_paint), probe);
  return TRUE;
}

static void
on_unrealize (GtkGLArea *area,
              Probe     *probe)
{
  gtk_gl_area_make_current (area);
  if (gtk_gl_area_get_error (area) != NULL)
    return;
  glDeleteProgram (probe->program);
  if (probe->vao != 0)
    glDeleteVertexArrays (1, &probe->vao);
  if (probe->vbo != 0)
    glDeleteBuffers (1, &probe->vbo);
  if (probe->ebo != 0)
    glDeleteBuffers (1, &probe->ebo);
}

static void
on_activate (GtkApplication *app,
             Probe          *probe)
{
  GtkWidget *window = gtk_application_window_new (app);
  GtkWidget *area = gtk_gl_area_new ();

  gtk_window_set_default_size (GTK_WINDOW (window), 1280, 800);
  gtk_window_set_title (GTK_WINDOW (window), "first-frame probe");
  gtk_gl_area_set_required_version (GTK_GL_AREA (area), 3, 3);
  gtk_gl_area_set_has_depth_buffer (GTK_GL_AREA (area), TRUE);
  g_signal_connect (area, "realize", G_CALLBACK (on_realize), probe);
  g_signal_connect (area, "unrealize", G_CALLBACK (on_unrealize), probe);
  g_signal_connect (area, "render", G_CALLBACK (on_render), probe);
  probe->area = GTK_GL_AREA (area);
  gtk_window_set_child (GTK_WINDOW (window), area);
  gtk_window_present (GTK_WINDOW (window));
}

int
main (int    argc,
      char **argv)
{
  Probe probe = { 0 };
  g_autoptr(GtkApplication) app = NULL;

  if (argc != 2)
    {
      g_printerr ("usage: %s MESH\n", argv[0]);
      return 2;
    }
  probe.path = argv[1];
  probe.loader = g_thread_new ("load", load_thread, &probe);
  app = gtk_application_new (NULL, G_APPLICATION_NON_UNIQUE);
  g_signal_connect (app, "activate", G_CALLBACK (on_activate), &probe);
  g_application_run (G_APPLICATION (app), 1, argv);
  if (probe.loader != NULL)
    g_thread_join (probe.loader);
  g_clear_pointer (&probe.mesh, osp_mesh_unref);
  g_free (probe.error);
  return probe.status;
}
