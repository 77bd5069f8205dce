//! The services' icons, drawn as vectors (crisp at any size, nothing to
//! load): a template names one (`icon = "transcript"`), see
//! [`crate::template::spec::Icon`].

use iced::widget::canvas::{self, Frame, Geometry, LineCap, LineJoin, Path, Stroke};
use iced::{Color, Element, Length, Point, Rectangle, Renderer, Size, Theme, mouse};

use crate::template::spec::Icon;
use crate::ui::style;

/// `icon`, `size` pixels square, in `color`.
pub fn view<'a, M: 'a>(icon: Icon, size: f32, color: Color) -> Element<'a, M> {
    canvas::Canvas::new(Drawing { icon, color })
        .width(Length::Fixed(size))
        .height(Length::Fixed(size))
        .into()
}

struct Drawing {
    icon: Icon,
    color: Color,
}

impl<M> canvas::Program<M> for Drawing {
    type State = ();

    fn draw(
        &self,
        _state: &(),
        renderer: &Renderer,
        _theme: &Theme,
        bounds: Rectangle,
        _cursor: mouse::Cursor,
    ) -> Vec<Geometry> {
        let mut frame = Frame::new(renderer, bounds.size());
        // Drawn on a 24-unit grid, scaled to the box.
        let u = bounds.width.min(bounds.height) / 24.0;
        let p = |x: f32, y: f32| Point::new(x * u, y * u);
        let stroke = Stroke::default()
            .with_color(self.color)
            .with_width((1.6 * u).max(1.5))
            .with_line_cap(LineCap::Round)
            .with_line_join(LineJoin::Round);
        let line = |frame: &mut Frame, a: (f32, f32), b: (f32, f32)| {
            frame.stroke(&Path::line(p(a.0, a.1), p(b.0, b.1)), stroke);
        };
        // A sheet with a folded corner, the base of the document icons.
        let sheet = |frame: &mut Frame| {
            let outline = Path::new(|b| {
                b.move_to(p(5.0, 2.5));
                b.line_to(p(14.5, 2.5));
                b.line_to(p(19.5, 7.5));
                b.line_to(p(19.5, 21.5));
                b.line_to(p(5.0, 21.5));
                b.close();
                b.move_to(p(14.5, 2.5));
                b.line_to(p(14.5, 7.5));
                b.line_to(p(19.5, 7.5));
            });
            frame.stroke(&outline, stroke);
        };
        match self.icon {
            Icon::Document => {
                sheet(&mut frame);
                for y in [11.0, 14.5, 18.0] {
                    line(&mut frame, (8.0, y), (16.5, y));
                }
            }
            Icon::Certificate => {
                sheet(&mut frame);
                line(&mut frame, (8.0, 8.0), (12.0, 8.0));
                line(&mut frame, (8.0, 11.5), (16.5, 11.5));
                // The seal, with its ribbon.
                frame.stroke(&Path::circle(p(14.5, 16.0), 2.6 * u), stroke);
                line(&mut frame, (13.2, 18.4), (12.2, 23.0));
                line(&mut frame, (15.8, 18.4), (16.8, 23.0));
                frame.fill(&Path::circle(p(14.5, 16.0), 1.0 * u), self.color);
            }
            Icon::Transcript => {
                sheet(&mut frame);
                // A table: a header rule, rows and a column.
                line(&mut frame, (7.5, 10.0), (17.0, 10.0));
                for y in [13.5, 17.0] {
                    line(&mut frame, (7.5, y), (17.0, y));
                }
                line(&mut frame, (13.0, 10.0), (13.0, 19.5));
            }
            Icon::List => {
                for y in [6.0, 12.0, 18.0] {
                    frame.fill(&Path::circle(p(5.0, y), 1.4 * u), self.color);
                    line(&mut frame, (9.0, y), (20.5, y));
                }
            }
            Icon::Home => {
                let house = Path::new(|b| {
                    b.move_to(p(3.0, 11.0));
                    b.line_to(p(12.0, 3.5));
                    b.line_to(p(21.0, 11.0));
                    b.move_to(p(5.5, 9.5));
                    b.line_to(p(5.5, 20.5));
                    b.line_to(p(18.5, 20.5));
                    b.line_to(p(18.5, 9.5));
                    b.move_to(p(10.0, 20.5));
                    b.line_to(p(10.0, 14.5));
                    b.line_to(p(14.0, 14.5));
                    b.line_to(p(14.0, 20.5));
                });
                frame.stroke(&house, stroke);
            }
            Icon::Card => {
                let card = Path::rounded_rectangle(p(2.5, 5.5), Size::new(19.0 * u, 13.0 * u), (2.0 * u).into());
                frame.stroke(&card, stroke);
                line(&mut frame, (2.5, 9.5), (21.5, 9.5));
                line(&mut frame, (5.5, 14.5), (11.0, 14.5));
            }
        }
        vec![frame.into_geometry()]
    }
}

/// The tile colour of a service's icon.
pub const COLOR: Color = style::BLUE;
