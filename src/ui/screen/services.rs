//! The services this person may use (with what is left of a per-term
//! quota); the others greyed, with the reason.

use iced::widget::{Space, column, container, scrollable};
use iced::{Element, Length};

use crate::i18n::{Lang, T, quota_left, tr};
use crate::ui::style::{self, Kind, heading, label, text_button};
use crate::ui::work::Service;

#[derive(Debug, Clone)]
pub enum Message {
    Open(String),
    Logout,
    SwitchLang,
}

pub fn view<'a>(lang: Lang, who: String, services: Option<&'a [Service]>) -> Element<'a, Message> {
    let top = super::signed_in_bar(lang, who, None, Message::SwitchLang, Message::Logout);
    let list: Element<'a, Message> = match services {
        None => label(tr(lang, T::LoadingServices), style::BODY)
            .color(style::GREY)
            .into(),
        Some([]) => label(tr(lang, T::NoServices), style::BODY).into(),
        Some(list) => {
            let mut col = column![].spacing(style::GAP);
            for s in list {
                let name = s.name.get(lang);
                match &s.unavailable {
                    None => {
                        let open =
                            text_button(name, Kind::Primary, Some(Message::Open(s.id.clone()))).width(Length::Fill);
                        col = col.push(match s.quota {
                            Some(q) => column![
                                open,
                                label(quota_left(lang, q.remaining(), q.limit), style::SMALL).color(style::GREY),
                            ]
                            .spacing(8)
                            .into(),
                            None => Element::from(open),
                        });
                    }
                    Some(why) => {
                        col = col.push(
                            column![
                                text_button(name, Kind::Disabled, None).width(Length::Fill),
                                label(why.get(lang), style::SMALL).color(style::RED),
                            ]
                            .spacing(8),
                        );
                    }
                }
            }
            scrollable(col).height(Length::Fill).into()
        }
    };
    container(
        column![
            top,
            Space::new().height(40),
            heading(tr(lang, T::ChooseService), style::H1),
            Space::new().height(24),
            list
        ]
        .padding(style::MARGIN)
        .spacing(8),
    )
    .style(style::screen)
    .width(Length::Fill)
    .height(Length::Fill)
    .into()
}
